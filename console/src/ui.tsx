import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError, api, must } from "./api/client";

/** useLoad runs load when deps change and keeps its result, error and a reload. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    const n = ++seq.current;
    setLoading(true);
    try {
      const d = await run();
      if (n === seq.current) {
        setData(d);
        setError(undefined);
      }
    } catch (e) {
      if (n === seq.current) setError(e);
    } finally {
      if (n === seq.current) setLoading(false);
    }
  }, [run]);
  useEffect(() => {
    // New inputs (a filter, a page): drop the old answer so that nothing
    // shows rows of one page under the label of another.
    setData(undefined);
    void reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}

/** ErrorBox says what went wrong; a 402 also shows the available balance,
 * read when it is shown, so the owner sees how short the account is. */
export function ErrorBox({ error }: { error: unknown }) {
  const [available, setAvailable] = useState<number>();
  const is402 = error instanceof ApiError && error.status === 402;
  useEffect(() => {
    if (!is402) return;
    must(api.GET("/v1/account")).then((a) => setAvailable(a.available), () => {});
  }, [is402, error]);
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="error">
      {is402 ? (
        <>
          <strong>Not enough credits.</strong> {msg}
          {/[.!]$/.test(msg) ? "" : "."}
          {available !== undefined && <> Your available balance is {fmt(available)} credits.</>} Nothing was
          started and nothing was charged.
        </>
      ) : (
        <>
          <strong>{error instanceof ApiError ? `Error ${error.status}` : "Error"}:</strong> {msg}
          {error instanceof ApiError && error.field && <> (field {error.field})</>}
        </>
      )}
    </div>
  );
}

export function fmt(n: number | undefined): string {
  return n === undefined ? "—" : n.toLocaleString("en-US");
}

export function when(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** Pager shows page X of Y from total and moves by cursor. */
export function Pager(props: { page: number; total: number; size: number; hasNext: boolean; onPrev: () => void; onNext: () => void }) {
  const pages = Math.max(1, Math.ceil(props.total / props.size));
  return (
    <nav className="pager" aria-label="Pagination">
      <button type="button" onClick={props.onPrev} disabled={props.page <= 1}>
        Previous
      </button>
      <span aria-live="polite" data-testid="page-label">
        Page {props.page} of {pages} ({fmt(props.total)} items)
      </span>
      <button type="button" onClick={props.onNext} disabled={!props.hasNext}>
        Next
      </button>
    </nav>
  );
}

/** Dialog is a modal <dialog> (focus trapped by the browser, Esc closes). */
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} onClose={props.onClose} aria-labelledby="dialog-title">
      <h2 id="dialog-title">{props.title}</h2>
      {props.open && props.children}
    </dialog>
  );
}

export function Status({ value }: { value: string }) {
  return <span className={`status status-${value}`}>{value.replace(/_/g, " ")}</span>;
}
