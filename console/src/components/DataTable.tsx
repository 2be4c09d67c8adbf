import type { ComponentChildren } from 'preact';

export interface Column<T> {
  label: string;
  /** The cell; plain text of a field when absent. */
  render: (row: T) => ComponentChildren;
  /** The API's sort key, when the column sorts (its header becomes a button). */
  sortKey?: string;
}

export interface Sort {
  key: string;
  dir: 'asc' | 'desc';
}

/**
 * A table of rows. Wide tables scroll sideways inside their frame; on a phone each row stacks into
 * label/value lines (the CSS reads data-label). Sortable headers are buttons with aria-sort.
 */
export function DataTable<T>(props: {
  caption: string;
  columns: Array<Column<T>>;
  rows: T[];
  rowKey: (row: T) => string;
  sort?: Sort;
  onSort?: (sort: Sort) => void;
  empty?: string;
}) {
  const { caption, columns, rows, rowKey, sort, onSort } = props;
  return (
    <div class="table-wrap">
      <table class="data-table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort && c.sortKey === sort.key;
              const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : c.sortKey ? 'none' : undefined;
              return (
                <th scope="col" aria-sort={ariaSort} key={c.label}>
                  {c.sortKey && onSort ? (
                    <button
                      type="button"
                      class="sort-button"
                      onClick={() => onSort({ key: c.sortKey!, dir: active && sort.dir === 'asc' ? 'desc' : 'asc' })}
                    >
                      {c.label}
                      <span aria-hidden="true">{active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ' ↕'}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} class="empty">
                {props.empty ?? 'Nothing here yet.'}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={rowKey(r)}>
                {columns.map((c) => (
                  <td data-label={c.label} key={c.label}>
                    {c.render(r)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Previous/next over offset paging, with the total when the API counts it. */
export function Pager({ offset, limit, shown, count, onOffset }: { offset: number; limit: number; shown: number; count?: number; onOffset: (offset: number) => void }) {
  const last = count !== undefined ? offset + limit >= count : shown < limit;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span aria-live="polite">
        {shown === 0 ? 'none' : `${offset + 1}–${offset + shown}`}
        {count !== undefined ? ` of ${count}` : ''}
      </span>
      <button type="button" disabled={last} onClick={() => onOffset(offset + limit)}>
        Next
      </button>
    </nav>
  );
}
