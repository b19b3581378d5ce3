// The verification page's PDF check: the chosen file's SHA-256 is worked out here, in the browser,
// with the Web Crypto API, and compared with the fingerprint of the PDF we issued. The file is read
// on this device only: nothing is uploaded, and the page works the same without this script (it then
// explains how to work the fingerprint out with the computer's own tools).

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function say(box, text, good) {
  box.replaceChildren();
  const p = document.createElement("p");
  p.className = good ? "notice notice--success" : "notice notice--error";
  p.textContent = text;
  box.append(p);
}

function start(root) {
  if (!window.crypto || !window.crypto.subtle) {
    return; // no Web Crypto (an old browser, or a page not served over HTTPS): the instructions stand
  }
  const expected = root.dataset.expected.toLowerCase();
  const input = root.querySelector("input[type=file]");
  const box = root.querySelector("[role=status]");
  root.hidden = false;
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) {
      box.replaceChildren();
      return;
    }
    const digest = hex(await window.crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
    if (digest === expected && root.dataset.status !== "valid") {
      say(box, `This file is the PDF we issued (its SHA-256 is ${digest}), but the certificate is ${root.dataset.status}: see its status above.`, false);
    } else if (digest === expected) {
      say(box, `This file is the PDF we issued: its SHA-256 is ${digest}.`, true);
    } else {
      say(box, `This file is not the PDF we issued: its SHA-256 is ${digest}, not the one above. It may have been edited.`, false);
    }
  });
}

document.querySelectorAll("[data-module=certificate-hash]").forEach(start);
