import { useEffect, useRef, useState } from "react";

/** useCursorPages keeps the cursors of the pages seen so far, so Previous
 * works on a cursor-paged list; any change of the filters (deps) goes back
 * to page 1 (a cursor is sealed to its filters, so it could not be reused). */
export function useCursorPages(filters: unknown[]) {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  const key = JSON.stringify(filters);
  const last = useRef(key);
  useEffect(() => {
    if (last.current !== key) {
      last.current = key;
      setStack([undefined]);
    }
  }, [key]);
  // Until the effect runs, a filter change already reads page 1.
  const reset = last.current !== key;
  const cur = reset ? [undefined] : stack;
  return {
    page: cur.length,
    cursor: cur[cur.length - 1],
    next: (c: string | null | undefined) => c && setStack([...cur, c]),
    prev: () => cur.length > 1 && setStack(cur.slice(0, -1)),
  };
}
