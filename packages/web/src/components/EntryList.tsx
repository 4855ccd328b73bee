// A page of the signed-in person's entries (history, ratings): loading and error states,
// the empty case, a table with a remove button per row, and the pager.

import type { UseMutationResult, UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useSearchParams } from "react-router";
import { ErrorState, Loading } from "./Status";

export function Pager({
  offset,
  page,
  total,
  label,
}: {
  offset: number;
  page: number;
  total: number;
  label: string;
}) {
  const [params, setParams] = useSearchParams();
  const go = (to: number) => {
    const next = new URLSearchParams(params);
    next.set("offset", String(to));
    setParams(next);
    window.scrollTo({ top: 0 });
  };
  if (total === 0) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={offset === 0} onClick={() => go(Math.max(0, offset - page))}>
        Previous
      </button>
      <span>
        {offset + 1}–{Math.min(offset + page, total)} of {total}
      </span>
      <button type="button" disabled={offset + page >= total} onClick={() => go(offset + page)}>
        Next
      </button>
    </nav>
  );
}

/** The page's offset (`?offset=`), never negative. */
export function useOffset(): number {
  const [params] = useSearchParams();
  return Math.max(0, Number(params.get("offset")) || 0);
}

type Column = { label: string; className?: string };

export function EntryList<T, K>({
  entries,
  remove,
  caption,
  columns,
  cells,
  keyOf,
  removeLabel,
  empty,
  offset,
  page,
  pagerLabel,
}: {
  entries: UseQueryResult<{ items: T[]; total: number }>;
  remove: UseMutationResult<unknown, Error, K>;
  caption: string;
  columns: Column[];
  cells: (item: T) => ReactNode[];
  keyOf: (item: T) => K;
  removeLabel: (item: T) => string;
  empty: ReactNode;
  offset: number;
  page: number;
  pagerLabel: string;
}) {
  if (entries.isPending) return <Loading />;
  if (entries.isError) return <ErrorState error={entries.error} retry={() => entries.refetch()} />;
  if (entries.data.total === 0) return <p>{empty}</p>;
  return (
    <>
      {remove.isError && <ErrorState error={remove.error} />}
      <table className="entries">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={c.className}>
                {c.label}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.data.items.map((item) => (
            <tr key={String(keyOf(item))}>
              {cells(item).map((cell, i) => (
                <td key={columns[i].label} className={columns[i].className}>
                  {cell}
                </td>
              ))}
              <td>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => remove.mutate(keyOf(item))}
                  disabled={remove.isPending && remove.variables === keyOf(item)}
                  aria-label={removeLabel(item)}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager offset={offset} page={page} total={entries.data.total} label={pagerLabel} />
    </>
  );
}
