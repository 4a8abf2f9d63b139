import { useState, type ReactNode } from "react";
import { api, must, type Schemas } from "../api/client";
import { useCursorPages } from "../pages";
import { Link } from "../router";
import { Dialog, ErrorBox, fmt, Pager, Status, useLoad, when } from "../ui";
import { ImportKeywords } from "./ImportKeywords";

const SIZE = 25;

type Page<T> = { items: T[]; total: number; next_cursor?: string | null };
type Filter = { name: string; label: string; options: string[] };
type Bulk = {
  label: string;
  max: number;
  /** What run would reserve for the same items (the API's /estimate, which changes nothing). */
  estimate: (site: string, ids: string[]) => Promise<Schemas["OperationEstimate"]>;
  run: (site: string, ids: string[]) => Promise<Schemas["OperationStarted"]>;
};

/** One list screen: how to load a page, its filters, columns and bulk action. */
type ListConfig<T extends { id: string }> = {
  title: string;
  filters: Filter[];
  load: (site: string, q: Record<string, string | undefined>, cursor?: string) => Promise<Page<T>>;
  columns: { head: string; cell: (row: T, site: string) => ReactNode }[];
  bulk?: Bulk;
};

const post = (p: Promise<{ data?: Schemas["OperationStarted"]; error?: unknown; response: Response }>) => must(p);
const quote = (p: Promise<{ data?: Schemas["OperationEstimate"]; error?: unknown; response: Response }>) => must(p);

const keywords: ListConfig<Schemas["Keyword"]> = {
  title: "Keywords",
  filters: [
    { name: "status", label: "Status", options: ["new", "mapped"] },
    { name: "sort", label: "Order", options: ["oldest", "newest", "volume"] },
  ],
  load: (site, q, cursor) =>
    must(api.GET("/v1/sites/{site}/keywords", { params: { path: { site }, query: { ...q, limit: SIZE, cursor } as never } })),
  columns: [
    { head: "Keyword", cell: (r) => r.keyword },
    { head: "Volume", cell: (r) => fmt(r.volume) },
    { head: "Difficulty", cell: (r) => r.difficulty },
    { head: "Intent", cell: (r) => r.intent },
    { head: "Status", cell: (r) => <Status value={r.status} /> },
  ],
  bulk: {
    label: "Cluster keywords",
    max: 500,
    estimate: (site, ids) => quote(api.POST("/v1/sites/{site}/keywords/cluster/estimate", { params: { path: { site } }, body: { keyword_ids: ids } })),
    run: (site, ids) => post(api.POST("/v1/sites/{site}/keywords/cluster", { params: { path: { site } }, body: { keyword_ids: ids } })),
  },
};

const clusters: ListConfig<Schemas["Cluster"]> = {
  title: "Clusters",
  filters: [
    { name: "status", label: "Status", options: ["new", "mapped"] },
    { name: "sort", label: "Order", options: ["oldest", "newest"] },
  ],
  load: (site, q, cursor) =>
    must(api.GET("/v1/sites/{site}/clusters", { params: { path: { site }, query: { ...q, limit: SIZE, cursor } as never } })),
  columns: [
    { head: "Name", cell: (r) => r.name },
    { head: "Keywords", cell: (r) => fmt(r.keywords_count) },
    { head: "Volume", cell: (r) => fmt(r.volume) },
    { head: "Status", cell: (r) => <Status value={r.status} /> },
  ],
  bulk: {
    label: "Generate ideas",
    max: 10,
    estimate: (site, ids) => quote(api.POST("/v1/sites/{site}/clusters/generate-ideas/estimate", { params: { path: { site } }, body: { cluster_ids: ids } })),
    run: (site, ids) => post(api.POST("/v1/sites/{site}/clusters/generate-ideas", { params: { path: { site } }, body: { cluster_ids: ids } })),
  },
};

const ideas: ListConfig<Schemas["ContentIdea"]> = {
  title: "Ideas",
  filters: [
    { name: "status", label: "Status", options: ["new", "queued", "completed"] },
    { name: "sort", label: "Order", options: ["oldest", "newest"] },
  ],
  load: (site, q, cursor) =>
    must(api.GET("/v1/sites/{site}/ideas", { params: { path: { site }, query: { ...q, limit: SIZE, cursor } as never } })),
  columns: [
    { head: "Title", cell: (r) => r.title },
    { head: "Structure", cell: (r) => r.content_structure },
    { head: "Words", cell: (r) => fmt(r.estimated_word_count) },
    { head: "Status", cell: (r) => <Status value={r.status} /> },
  ],
  bulk: {
    label: "Create tasks",
    max: 100,
    estimate: (site, ids) => quote(api.POST("/v1/sites/{site}/ideas/create-tasks/estimate", { params: { path: { site } }, body: { idea_ids: ids } })),
    run: (site, ids) => post(api.POST("/v1/sites/{site}/ideas/create-tasks", { params: { path: { site } }, body: { idea_ids: ids } })),
  },
};

const tasks: ListConfig<Schemas["Task"]> = {
  title: "Tasks",
  filters: [
    { name: "status", label: "Status", options: ["queued", "completed"] },
    { name: "sort", label: "Order", options: ["oldest", "newest"] },
  ],
  load: (site, q, cursor) =>
    must(api.GET("/v1/sites/{site}/tasks", { params: { path: { site }, query: { ...q, limit: SIZE, cursor } as never } })),
  columns: [
    { head: "Title", cell: (r) => r.title },
    { head: "Words", cell: (r) => fmt(r.word_count) },
    { head: "Status", cell: (r) => <Status value={r.status} /> },
  ],
  bulk: {
    label: "Write content",
    max: 10,
    estimate: (site, ids) => quote(api.POST("/v1/sites/{site}/tasks/generate-content/estimate", { params: { path: { site } }, body: { task_ids: ids } })),
    run: (site, ids) => post(api.POST("/v1/sites/{site}/tasks/generate-content", { params: { path: { site } }, body: { task_ids: ids } })),
  },
};

const content: ListConfig<Schemas["Content"]> = {
  title: "Content",
  filters: [
    { name: "status", label: "Status", options: ["draft", "review", "approved", "rejected"] },
    { name: "site_status", label: "Publishing", options: ["not_published", "scheduled", "publishing", "published", "failed"] },
    { name: "sort", label: "Order", options: ["oldest", "newest"] },
  ],
  load: (site, q, cursor) =>
    must(api.GET("/v1/sites/{site}/content", { params: { path: { site }, query: { ...q, limit: SIZE, cursor } as never } })),
  columns: [
    { head: "Title", cell: (r, site) => <Link href={`/sites/${site}/content/${r.id}`}>{r.title || r.id}</Link> },
    { head: "Words", cell: (r) => fmt(r.word_count) },
    { head: "Status", cell: (r) => <Status value={r.status} /> },
    { head: "Publishing", cell: (r) => <Status value={r.site_status} /> },
    { head: "Scheduled / published", cell: (r) => when(r.published_at ?? r.scheduled_publish_at) },
  ],
  bulk: {
    label: "Write image prompts",
    max: 1,
    estimate: (site, ids) =>
      quote(api.POST("/v1/sites/{site}/content/{content}/generate-image-prompts/estimate", { params: { path: { site, content: ids[0] } }, body: { replace: false } })),
    run: (site, ids) =>
      post(api.POST("/v1/sites/{site}/content/{content}/generate-image-prompts", { params: { path: { site, content: ids[0] } }, body: { replace: false } })),
  },
};

const images: ListConfig<Schemas["Image"]> = {
  title: "Images",
  filters: [
    { name: "status", label: "Status", options: ["pending", "generated", "failed"] },
    { name: "sort", label: "Order", options: ["oldest", "newest"] },
  ],
  load: (site, q, cursor) =>
    must(api.GET("/v1/sites/{site}/images", { params: { path: { site }, query: { ...q, limit: SIZE, cursor } as never } })),
  columns: [
    { head: "Image", cell: (r) => (r.url ? <img src={r.url} alt={r.prompt ?? ""} width={64} height={64} /> : "—") },
    { head: "Type", cell: (r) => r.image_type },
    { head: "Prompt", cell: (r) => <span className="clip">{r.prompt}</span> },
    { head: "Content", cell: (r, site) => <Link href={`/sites/${site}/content/${r.content_id}`}>open</Link> },
    { head: "Status", cell: (r) => <Status value={r.status} /> },
  ],
  bulk: {
    label: "Generate images",
    max: 20,
    estimate: (site, ids) => quote(api.POST("/v1/sites/{site}/images/generate/estimate", { params: { path: { site } }, body: { image_ids: ids } })),
    run: (site, ids) => post(api.POST("/v1/sites/{site}/images/generate", { params: { path: { site } }, body: { image_ids: ids } })),
  },
};

export const lists = { keywords, clusters, ideas, tasks, content, images } as const;
export type ListKind = keyof typeof lists;

export function SiteList({ site, kind }: { site: string; kind: ListKind }) {
  // Each kind has its own state (key resets it), and one list call draws it.
  return <ListScreen key={kind} site={site} kind={kind} config={lists[kind] as unknown as ListConfig<{ id: string }>} />;
}

function ListScreen({ site, kind, config }: { site: string; kind: ListKind; config: ListConfig<{ id: string }> }) {
  const [q, setQ] = useState<Record<string, string | undefined>>({});
  const pages = useCursorPages([q]);
  const { data, error, reload } = useLoad(() => config.load(site, q, pages.cursor), [site, q, pages.cursor]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState(false);
  const [started, setStarted] = useState<Schemas["OperationStarted"]>();
  const [actionError, setActionError] = useState<unknown>();
  const [estimate, setEstimate] = useState<Schemas["OperationEstimate"]>();
  const bulk = config.bulk;

  function setFilter(name: string, v: string) {
    setSelected(new Set());
    setQ((old) => {
      const n = { ...old, [name]: v || undefined };
      // The content list takes status or site_status, not both.
      if (name === "status" && v) delete n.site_status;
      if (name === "site_status" && v) delete n.status;
      return n;
    });
  }
  function toggle(id: string) {
    const n = new Set(selected);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    setSelected(n);
  }
  async function openConfirm() {
    if (!bulk) return;
    setActionError(undefined);
    setStarted(undefined);
    setEstimate(undefined);
    setConfirm(true);
    try {
      // The exact amount the start would reserve, before confirming.
      setEstimate(await bulk.estimate(site, [...selected]));
    } catch (e) {
      setActionError(e);
      setConfirm(false);
    }
  }
  async function run() {
    if (!bulk) return;
    try {
      const r = await bulk.run(site, [...selected]);
      setStarted(r);
      setSelected(new Set());
      setConfirm(false);
      await reload();
    } catch (e) {
      setActionError(e);
      setConfirm(false);
    }
  }
  const tooMany = bulk ? selected.size > bulk.max : false;
  return (
    <>
      <h2>{config.title}</h2>
      {kind === "keywords" && <ImportKeywords site={site} onDone={reload} />}
      <div className="filters" role="group" aria-label="Filters">
        {config.filters.map((f) => (
          <label key={f.name}>
            {f.label}{" "}
            <select value={q[f.name] ?? ""} onChange={(e) => setFilter(f.name, e.target.value)} name={f.name}>
              <option value="">{f.name === "sort" ? "default" : "any"}</option>
              {f.options.map((o) => (
                <option key={o} value={o}>
                  {o.replace(/_/g, " ")}
                </option>
              ))}
            </select>
          </label>
        ))}
        {bulk && (
          <button type="button" onClick={openConfirm} disabled={selected.size === 0 || tooMany}>
            {bulk.label} ({selected.size} selected{tooMany ? `, at most ${bulk.max}` : ""})
          </button>
        )}
      </div>
      <ErrorBox error={error ?? actionError} />
      {started && (
        <p role="status" className="ok">
          Started operation {started.operation_id}: up to {fmt(started.estimated_credits)} credits are reserved; the real usage is charged when it ends and the rest returns.
        </p>
      )}
      {data && (
        <>
          <table>
            <thead>
              <tr>
                {bulk && (
                  <th scope="col">
                    <span className="visually-hidden">Select</span>
                  </th>
                )}
                {config.columns.map((c) => (
                  <th scope="col" key={c.head}>
                    {c.head}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.items.length === 0 && (
                <tr>
                  <td colSpan={config.columns.length + 1}>Nothing here.</td>
                </tr>
              )}
              {data.items.map((r) => (
                <tr key={r.id}>
                  {bulk && (
                    <td>
                      <input type="checkbox" aria-label={`Select ${r.id}`} checked={selected.has(r.id)} onChange={() => toggle(r.id)} />
                    </td>
                  )}
                  {config.columns.map((c) => (
                    <td key={c.head}>{c.cell(r, site)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={pages.page} total={data.total} size={SIZE} hasNext={!!data.next_cursor} onPrev={pages.prev} onNext={() => pages.next(data.next_cursor)} />
        </>
      )}
      {bulk && (
        <Dialog title={bulk.label} open={confirm} onClose={() => setConfirm(false)}>
          <p>
            {bulk.label} for {selected.size} item(s) will reserve <strong data-testid="confirm-estimate">{estimate ? fmt(estimate.credits) : "…"}</strong>{" "}
            credits{estimate?.model ? ` (${estimate.model})` : ""} from your available balance of{" "}
            <strong data-testid="confirm-available">{estimate ? fmt(estimate.available) : "…"}</strong>, and charge the real usage when it ends (never more);
            the rest returns.
          </p>
          {estimate && !estimate.sufficient && (
            <p role="alert" data-testid="confirm-insufficient">
              Not enough credits: this needs {fmt(estimate.credits)} and {fmt(estimate.available)} are available. Add credits, or select fewer items.
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={run} className="primary" disabled={!estimate || !estimate.sufficient}>
              Start
            </button>
            <button type="button" onClick={() => setConfirm(false)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
