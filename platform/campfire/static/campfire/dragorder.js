// Drag a cell by its gutter handle to reorder (the move up/down buttons and keys do the same
// without a mouse). The drop position is above or below the cell under the pointer.

export function bindDragReorder(view) {
  const { container } = view;
  let dragged = null;
  let marked = null;

  const unmark = () => {
    if (marked) marked.classList.remove("drop-before", "drop-after");
    marked = null;
  };
  const dropTarget = (event) => {
    const element = event.target.closest && event.target.closest(".cell");
    if (!element || !element.cellView || !container.contains(element)) return null;
    const rect = element.getBoundingClientRect();
    return { element, after: event.clientY > rect.top + rect.height / 2 };
  };

  container.addEventListener("dragstart", (event) => {
    const handle = event.target.closest && event.target.closest(".cell-drag");
    if (!handle || view.readOnly) return;
    const element = handle.closest(".cell");
    dragged = element.cellView.cell;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", ""); // Firefox starts no drag without data
    event.dataTransfer.setDragImage(element, 16, 16);
    element.classList.add("dragging");
  });
  container.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const target = dropTarget(event);
    if (!target) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    unmark();
    marked = target.element;
    marked.classList.add(target.after ? "drop-after" : "drop-before");
  });
  container.addEventListener("drop", (event) => {
    const target = dragged && dropTarget(event);
    if (!target) return;
    event.preventDefault();
    const cells = view.notebook.cells;
    const from = cells.indexOf(dragged);
    let index = cells.indexOf(target.element.cellView.cell) + (target.after ? 1 : 0);
    if (index > from) index -= 1; // the list shrinks by the dragged cell before it is inserted
    view.moveTo(dragged, index);
  });
  container.addEventListener("dragend", () => {
    unmark();
    const element = dragged && view.viewOf(dragged)?.element;
    if (element) element.classList.remove("dragging");
    dragged = null;
  });
}
