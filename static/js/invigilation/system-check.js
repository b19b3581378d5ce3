// The system check: browser features, camera and microphone, connection speed and storage.
// Every result is a sentence in a list ("Passed" / "Problem" / "Could not check"), never colour alone,
// and the summary is announced politely.

const root = document.querySelector('[data-system-check]');

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

function addResult(list, verdict, text) {
  const item = document.createElement('li');
  const strong = document.createElement('strong');
  strong.textContent = `${verdict}: `;
  item.className = `check-results__item check-results__item--${verdict === 'Passed' ? 'pass' : 'problem'}`;
  item.append(strong, document.createTextNode(text));
  list.append(item);
  return verdict === 'Passed';
}

function megabits(bytes, ms) {
  return (bytes * 8) / (Math.max(ms, 1) / 1000) / 1e6;
}

async function timeDownload(url) {
  const started = performance.now();
  const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  const body = await response.arrayBuffer();
  return megabits(body.byteLength, performance.now() - started);
}

async function timeUpload(url, bytes) {
  const payload = new Uint8Array(bytes);
  crypto.getRandomValues(payload.subarray(0, Math.min(bytes, 65536)));
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST', credentials: 'same-origin', cache: 'no-store', body: payload,
    headers: { 'Content-Type': 'application/octet-stream', 'X-CSRFToken': csrfToken() },
  });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  await response.json();
  return megabits(bytes, performance.now() - started);
}

async function runCheck(list, summary) {
  list.replaceChildren();
  summary.textContent = 'Checking…';
  let passed = 0;
  let total = 0;
  const tally = (ok) => { total += 1; if (ok) passed += 1; };
  const media = navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === 'function';
  tally(addResult(list, media ? 'Passed' : 'Problem', media
    ? 'The browser can use a camera (getUserMedia).'
    : 'The browser cannot use a camera here. Use an up-to-date browser, on a secure (https) address.'));
  const recorder = typeof window.MediaRecorder === 'function';
  tally(addResult(list, recorder ? 'Passed' : 'Problem', recorder
    ? 'The browser can record video (MediaRecorder).'
    : 'The browser cannot record video (MediaRecorder is missing). Use an up-to-date browser.'));
  const idb = typeof window.indexedDB !== 'undefined';
  tally(addResult(list, idb ? 'Passed' : 'Problem', idb
    ? 'The browser can keep your answers while offline (IndexedDB).'
    : 'The browser cannot keep answers offline (IndexedDB is off, perhaps a private window).'));
  if (navigator.storage && navigator.storage.estimate) {
    try {
      const { quota = 0, usage = 0 } = await navigator.storage.estimate();
      const free = Math.round((quota - usage) / 1024 / 1024);
      tally(addResult(list, free >= 50 ? 'Passed' : 'Problem', free >= 50
        ? `About ${free} MB of storage is available to the browser.`
        : `Only about ${free} MB of storage is available to the browser: free some space on the computer.`));
    } catch (error) {
      tally(addResult(list, 'Could not check', `The storage available (${error.message}).`));
    }
  } else {
    tally(addResult(list, 'Could not check', 'The browser does not say how much storage is available.'));
  }
  try {
    const down = await timeDownload(root.dataset.download);
    tally(addResult(list, down >= 1 ? 'Passed' : 'Problem',
      `Download speed about ${down.toFixed(1)} megabits a second${down >= 1 ? '.' : ': 1 or more is needed.'}`));
  } catch (error) {
    tally(addResult(list, 'Problem', `The download test failed (${error.message}). Check the connection.`));
  }
  try {
    const up = await timeUpload(root.dataset.upload, Number(root.dataset.bytes) || 262144);
    tally(addResult(list, up >= 0.5 ? 'Passed' : 'Problem',
      `Upload speed about ${up.toFixed(1)} megabits a second${up >= 0.5 ? '.' : ': 0.5 or more is needed.'}`));
  } catch (error) {
    tally(addResult(list, 'Problem', `The upload test failed (${error.message}). Check the connection.`));
  }
  summary.textContent = `Check finished: ${passed} of ${total} passed. The results are listed below.`;
}

let stream = null;

async function runCamera(list, summary, preview) {
  summary.textContent = 'Asking for the camera and microphone…';
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
    addResult(list, 'Problem', 'The browser cannot use a camera here.');
    summary.textContent = 'The camera cannot be used in this browser.';
    return;
  }
  try {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    preview.srcObject = stream;
    preview.hidden = false;
    await preview.play().catch(() => {});
    const video = stream.getVideoTracks()[0];
    const audio = stream.getAudioTracks()[0];
    addResult(list, video ? 'Passed' : 'Problem', video ? `The camera works (${video.label || 'camera'}): you should see yourself above.`
      : 'No camera was found.');
    addResult(list, audio ? 'Passed' : 'Problem', audio ? `The microphone is allowed (${audio.label || 'microphone'}).`
      : 'No microphone was found.');
    summary.textContent = 'Camera and microphone allowed. The picture is shown above; nothing is recorded.';
  } catch (error) {
    const refused = error && (error.name === 'NotAllowedError' || error.name === 'SecurityError');
    addResult(list, 'Problem', refused
      ? 'The camera or microphone was refused. Allow them in the browser\'s site settings and try again.'
      : `The camera could not start (${error && error.name ? error.name : 'unknown error'}). Close other programs that use it and try again.`);
    summary.textContent = 'The camera test found a problem: see the results below.';
  }
}

if (root) {
  root.hidden = false;
  const list = root.querySelector('[data-results]');
  const summary = root.querySelector('[data-summary]');
  const preview = root.querySelector('[data-preview]');
  root.querySelector('[data-run-check]').addEventListener('click', () => { runCheck(list, summary); });
  root.querySelector('[data-run-camera]').addEventListener('click', () => { runCamera(list, summary, preview); });
}
