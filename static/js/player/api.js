// The autosave API client: JSON over fetch with the CSRF token in a header, a time limit per
// request, and errors sorted into what the player acts on (offline, signed out, refused).

export class NetworkError extends Error {}
export class SignedOut extends Error {}
export class HttpError extends Error {
  constructor(status, body) {
    super((body && body.error) || `The server answered ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

const TIME_LIMIT_MS = 20000;

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

async function refreshCsrfToken() {
  // A token can expire on a very long page; the server hands out a fresh one.
  const response = await fetch('/api/v1/csrf-token', { credentials: 'same-origin', cache: 'no-store' });
  const body = await response.json();
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && body.csrf_token) meta.content = body.csrf_token;
}

export async function request(method, url, body, retried = false) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIME_LIMIT_MS);
  const headers = { Accept: 'application/json', 'X-CSRFToken': csrfToken() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  let data;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin', cache: 'no-store', signal: controller.signal,
    });
    const type = response.headers.get('Content-Type') || '';
    if (!type.includes('application/json')) {
      // Only the sign-in page answers with HTML here: the session has ended.
      if (response.redirected || response.status === 401) throw new SignedOut('Signed out');
      throw new HttpError(response.status, null);
    }
    // The server answers a signed-out (or timed-out) call with 401 JSON.
    if (response.status === 401) throw new SignedOut('Signed out');
    data = await response.json();
  } catch (error) {
    if (error instanceof SignedOut || error instanceof HttpError) throw error;
    throw new NetworkError(error && error.message ? error.message : 'No connection');
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    if (response.status === 400 && !retried && /expired/.test(data.error || '')) {
      try { await refreshCsrfToken(); } catch (_) { throw new NetworkError('No connection'); }
      return request(method, url, body, true);
    }
    throw new HttpError(response.status, data);
  }
  return data;
}

export function makeApi(base) {
  const withDevice = (url, deviceId) => `${url}?device_id=${encodeURIComponent(deviceId)}`;
  return {
    load: (deviceId) => request('GET', withDevice(base, deviceId)),
    state: (deviceId) => request('GET', withDevice(`${base}/state`, deviceId)),
    claim: (deviceId) => request('POST', `${base}/claim`, { device_id: deviceId }),
    // Claims, and answers what load() answers with the storage key: the page opens with one request.
    claimAndLoad: (deviceId) => request('POST', `${base}/claim`, { device_id: deviceId, with_exam: true }),
    save: (body) => request('POST', `${base}/responses`, body),
    submit: () => request('POST', `${base}/submit`, {}),
    restBreak: (action) => request('POST', `${base}/break`, { action }),
  };
}
