// The runtime picker (CPU / GPU) in the run toolbar. GET /api/runtimes says which runtimes have a
// worker running now (asked again each time the picker gets focus); a change moves the notebook's
// kernel (PUT …/runtime: the old kernel is shut down, its variables lost) and the page follows the
// new session's events from there.
import { apiFetch } from "./api.js";

const NO_KERNEL = new Set(["off", "shutdown", "dead", "culled", "lost"]);

function label(runtime) {
  const name = runtime.device.toUpperCase();
  if (!runtime.available) return `${name} (none running)`;
  return runtime.gpus.length ? `${name} (${runtime.gpus[0]})` : name;
}

export function bindRuntime(app, kernel, select) {
  select.value = kernel.device;
  kernel.onSwitch = (detail) => {
    select.value = detail.device;
  };

  const refresh = async () => {
    try {
      for (const runtime of await apiFetch("/api/runtimes")) {
        const option = select.querySelector(`option[value="${runtime.device}"]`);
        if (!option) continue;
        option.textContent = label(runtime);
        option.disabled = !runtime.available && runtime.device !== kernel.device;
      }
    } catch {
      // keep the options as they were
    }
  };

  select.addEventListener("focus", refresh);
  select.addEventListener("change", async () => {
    const device = select.value;
    const name = device.toUpperCase();
    if (!NO_KERNEL.has(kernel.kernelState) && !window.confirm(`Move this notebook to the ${name} runtime? Its kernel is shut down and all variables are lost.`)) {
      select.value = kernel.device;
      return;
    }
    select.disabled = true;
    try {
      const detail = await apiFetch(`/api/notebooks/${encodeURIComponent(kernel.notebookId)}/runtime`, { method: "PUT", body: { device } });
      kernel.switchSession(detail);
      app.announce(`Runtime: ${name}. The next run starts a kernel there.`);
    } catch (error) {
      select.value = kernel.device;
      app.execution.notice(`Could not change the runtime: ${error.detail || error.message}`);
    } finally {
      select.disabled = false;
    }
  });
  return refresh();
}
