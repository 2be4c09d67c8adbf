/** A list page's toolbar: the button that opens its create form, and a refresh. */
export function ListToolbar({ createLabel, open, onToggle, onRefresh }: { createLabel: string; open: boolean; onToggle: () => void; onRefresh: () => void }) {
  return (
    <div class="toolbar">
      <button type="button" class="primary" aria-expanded={open} onClick={onToggle}>
        {createLabel}
      </button>
      <button type="button" onClick={onRefresh}>
        Refresh
      </button>
    </div>
  );
}
