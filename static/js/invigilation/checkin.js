// Check-in with the camera: turn it on, take the photo of the candidate and of their ID, and a room
// scan of several frames a few seconds apart. Each frame is drawn to a canvas, made a JPEG and posted
// (multipart, with the form's CSRF token) to the same address as the step's upload form, which works
// on its own without a camera or JavaScript.

const camera = document.querySelector('[data-camera]');
const announce = document.querySelector('[data-announce]');
const SCAN_GAP_MS = 3000;
let stream = null;

function say(text) {
  if (!announce) return;
  announce.textContent = '';
  window.setTimeout(() => { announce.textContent = text; }, 50);
}

function frameBlob(video, canvas) {
  const width = video.videoWidth || 640;
  const height = video.videoHeight || 480;
  const scale = Math.min(1, 960 / width);
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('no picture'))), 'image/jpeg', 0.85);
  });
}

async function send(form, blob) {
  const data = new FormData(form);
  const input = form.querySelector('input[type=file]');
  data.set(input.name, blob, 'camera.jpg');
  const response = await fetch(form.action, {
    method: 'POST', body: data, credentials: 'same-origin', headers: { Accept: 'application/json' },
  });
  const body = await response.json().catch(() => ({ error: 'The server did not answer: try again.' }));
  if (!response.ok) throw new Error(body.error || 'The picture was not accepted: try again.');
  return body;
}

async function capture(section, button, video, canvas) {
  const form = section.querySelector('[data-picture-form]');
  const status = section.querySelector('[data-step-status]');
  const frames = section.dataset.step === 'room_scan' ? Math.max(Number(section.dataset.framesNeeded) || 3, 1) : 1;
  button.disabled = true;
  try {
    for (let n = 1; n <= frames; n += 1) {
      if (frames > 1 && n > 1) {
        say(`Turn the camera a little. Photo ${n} of ${frames} in 3 seconds.`);
        await new Promise((resolve) => { window.setTimeout(resolve, SCAN_GAP_MS); });
      }
      const body = await send(form, await frameBlob(video, canvas));
      status.textContent = body.done ? `Done: ${body.message}` : body.message;
      const overall = document.querySelector('[data-overall-status]');
      if (overall) overall.textContent = 'Status: In progress.';
      say(body.message);
    }
  } catch (error) {
    status.textContent = `Problem: ${error.message}`;
    say(`Problem: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

async function startCamera(video, buttons, startButton) {
  try {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    } catch (error) {
      if (error && error.name === 'NotAllowedError') throw error;
      stream = await navigator.mediaDevices.getUserMedia({ video: true });
    }
    stream.getAudioTracks().forEach((track) => track.stop()); // permission only: no sound is recorded
    video.srcObject = stream;
    video.hidden = false;
    await video.play().catch(() => {});
    buttons.forEach((button) => { button.disabled = false; });
    startButton.textContent = 'The camera is on';
    startButton.disabled = true;
    say('The camera is on. You can now take the photos.');
  } catch (error) {
    say('The camera could not be turned on. Upload pictures with the fields below, or ask for help with a step.');
    const note = document.createElement('p');
    note.textContent = 'The camera could not be turned on. Upload pictures with the fields below, or ask for help with a step.';
    camera.append(note);
  }
}

if (camera && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  camera.hidden = false;
  const video = camera.querySelector('[data-camera-preview]');
  const canvas = camera.querySelector('[data-camera-canvas]');
  const startButton = camera.querySelector('[data-camera-start]');
  const sections = [...document.querySelectorAll('[data-step]')];
  const buttons = [];
  sections.forEach((section) => {
    const group = section.querySelector('[data-capture]');
    const button = section.querySelector('[data-capture-button]');
    if (!group || !button) return;
    group.hidden = false;
    buttons.push(button);
    button.addEventListener('click', () => { capture(section, button, video, canvas); });
  });
  startButton.addEventListener('click', () => { startCamera(video, buttons, startButton); });
}
