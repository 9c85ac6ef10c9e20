// Reordering: which `order` values a move needs, and dragging an item by its handle with
// pointer events (mouse, pen and touch alike). Saving is the caller's.

const STEP = 1024;
const MAX_ORDER = Number.MAX_SAFE_INTEGER; // the API takes integers within ±(2⁵³−1)

/** The `order` changes that put `list[index]` (just moved there) in its place:
 * [{id, order}]. One change when its neighbours leave room between their orders, otherwise
 * the whole list renumbered in steps of STEP (only the items whose order differs). */
export function planOrder(list, index) {
  if (list.length === 1) return [];
  const before = list[index - 1]?.order;
  const after = list[index + 1]?.order;
  const last = index === list.length - 1;
  let order = null;
  if (index === 0 && Number.isInteger(after)) order = after - STEP;
  else if (last && Number.isInteger(before)) order = before + STEP;
  else if (Number.isInteger(before) && Number.isInteger(after) && after - before > 1) {
    order = before + Math.floor((after - before) / 2);
  }
  if (order !== null && Math.abs(order) <= MAX_ORDER) return [{ id: list[index].id, order }];
  return list
    .map((todo, position) => ({ id: todo.id, order: (position + 1) * STEP, was: todo.order }))
    .filter(({ order: wanted, was }) => wanted !== was)
    .map(({ id, order: wanted }) => ({ id, order: wanted }));
}

/** Let items of `list` be dragged by their `.drag-handle`: the item follows the pointer
 * among its siblings, and on release `drop(item, index)` gets its new place (or `cancel()`
 * when the drag was interrupted). `allowed()` says whether a drag may start now. */
export function enableDragging(list, { allowed, drop, cancel }) {
  let dragging = null;

  list.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest(".drag-handle");
    if (!handle || event.button !== 0 || dragging || !allowed()) return;
    event.preventDefault();
    const item = handle.closest("li");
    dragging = { item, handle, pointerId: event.pointerId, from: indexOf(item) };
    handle.setPointerCapture(event.pointerId);
    item.classList.add("dragging");
  });

  list.addEventListener("pointermove", (event) => {
    if (!dragging || event.pointerId !== dragging.pointerId) return;
    const next = [...list.children].find((other) => {
      if (other === dragging.item) return false;
      const box = other.getBoundingClientRect();
      return event.clientY < box.top + box.height / 2;
    });
    if (next !== dragging.item.nextElementSibling) list.insertBefore(dragging.item, next ?? null);
  });

  const finish = (event, dropped) => {
    if (!dragging || event.pointerId !== dragging.pointerId) return;
    const { item, handle, from } = dragging;
    dragging = null;
    item.classList.remove("dragging");
    if (handle.hasPointerCapture(event.pointerId)) handle.releasePointerCapture(event.pointerId);
    const to = indexOf(item);
    if (dropped && to !== from) drop(item, to);
    else cancel();
  };
  list.addEventListener("pointerup", (event) => finish(event, true));
  list.addEventListener("pointercancel", (event) => finish(event, false));
}

const indexOf = (item) => [...item.parentElement.children].indexOf(item);
