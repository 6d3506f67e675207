// Rich HTML/JS outputs run in an <iframe sandbox="allow-scripts"> (never allow-same-origin) whose
// document is a fixed page served by Campfire with its own CSP (`sandbox allow-scripts`, inline
// scripts allowed, no network). A srcdoc or blob: frame would inherit this page's CSP, under which
// the output's scripts could not run at all. The output HTML is handed over by postMessage; the
// frame answers with its content height, which is the only message we accept from it.

let frameUrl = "";
const frames = new WeakMap(); // contentWindow -> iframe (only frames we created)
const MIN_HEIGHT = 24;
const MAX_HEIGHT = 4000;

export function configureOutputFrames(url) {
  frameUrl = url || "";
}

export function outputFramesAvailable() {
  return Boolean(frameUrl);
}

window.addEventListener("message", (event) => {
  const iframe = frames.get(event.source);
  if (!iframe || !iframe.isConnected) return;
  const data = event.data;
  if (!data || data.type !== "campfire-output-height" || !Number.isFinite(data.height)) return;
  iframe.setAttribute("height", String(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(data.height)))));
});

export function createOutputFrame(html) {
  const iframe = document.createElement("iframe");
  iframe.className = "output-frame";
  iframe.setAttribute("sandbox", "allow-scripts");
  iframe.setAttribute("title", "Interactive output (sandboxed)");
  iframe.setAttribute("height", "150");
  iframe.setAttribute("referrerpolicy", "no-referrer");
  // Every load, not just the first: moving an iframe in the DOM (moving its cell) reloads it.
  iframe.addEventListener("load", () => {
    frames.set(iframe.contentWindow, iframe);
    // The frame has an opaque origin, so "*" is the only target that reaches it; the payload is
    // the output itself, which the frame is meant to see.
    iframe.contentWindow.postMessage({ type: "campfire-output", html: String(html) }, "*");
  });
  iframe.src = frameUrl;
  return iframe;
}
