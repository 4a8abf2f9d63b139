import { useState } from "react";
import { api, must } from "../api/client";
import { useCursorPages } from "../pages";
import { ErrorBox, fmt, Pager, useLoad, when } from "../ui";

const SIZE = 50;
const opTypes = ["clustering", "idea_generation", "content_generation", "image_prompts", "image_generation"] as const;
const day = (d: Date) => d.toISOString().slice(0, 10);

// One call: a page of usage logs with the summary of the whole range.
export function Usage() {
  const [from, setFrom] = useState(day(new Date(Date.now() - 29 * 864e5)));
  const [to, setTo] = useState(day(new Date()));
  const [op, setOp] = useState("");
  const [site, setSite] = useState("");
  const pages = useCursorPages([from, to, op, site]);
  const { data, error } = useLoad(
    () =>
      must(
        api.GET("/v1/account/usage/logs", {
          params: { query: { from, to, operation_type: (op || undefined) as (typeof opTypes)[number] | undefined, site_id: site || undefined, limit: SIZE, cursor: pages.cursor } },
        }),
      ),
    [from, to, op, site, pages.cursor],
  );
  // Credits per UTC day of the logs on this page (the summary covers the whole range).
  const perDay = new Map<string, number>();
  for (const l of data?.items ?? []) perDay.set(l.created_at.slice(0, 10), (perDay.get(l.created_at.slice(0, 10)) ?? 0) + l.credits_used);
  const days = [...perDay.entries()].sort();
  const peak = Math.max(1, ...perDay.values());
  return (
    <>
      <h1>Usage</h1>
      <div className="filters" role="group" aria-label="Filters">
        <label>
          From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} name="from" />
        </label>
        <label>
          To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} name="to" />
        </label>
        <label>
          Operation{" "}
          <select value={op} onChange={(e) => setOp(e.target.value)} name="operation_type">
            <option value="">any</option>
            {opTypes.map((o) => (
              <option key={o} value={o}>
                {o.replace(/_/g, " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          Site ID <input value={site} onChange={(e) => setSite(e.target.value.trim())} name="site_id" placeholder="all sites" />
        </label>
      </div>
      <ErrorBox error={error} />
      {data?.summary && (
        <section aria-labelledby="summary-h" className="cards">
          <h2 id="summary-h" className="visually-hidden">
            Summary of the range
          </h2>
          <div className="card">
            <div className="label">Credits used</div>
            <div className="big" data-testid="usage-credits">
              {fmt(data.summary.credits_used)}
            </div>
          </div>
          <div className="card">
            <div className="label">Cost</div>
            <div className="big" data-testid="usage-cost">
              {data.summary.cost_usd}
            </div>
          </div>
          <div className="card">
            <div className="label">Operations</div>
            <div className="big">{fmt(data.summary.count)}</div>
          </div>
          <p data-testid="usage-formula">{data.summary.formula}</p>
        </section>
      )}
      {days.length > 0 && (
        <figure>
          <figcaption>Credits per day (logs on this page)</figcaption>
          <svg role="img" aria-label="Credits per day" width={Math.max(200, days.length * 28)} height={130}>
            {days.map(([d, c], i) => (
              <g key={d}>
                <rect x={i * 28 + 4} y={110 - (c / peak) * 100} width={20} height={(c / peak) * 100} fill="#0b57d0">
                  <title>{`${d}: ${c} credits`}</title>
                </rect>
                <text x={i * 28 + 14} y={125} fontSize={9} textAnchor="middle" fill="#1a1a1a">
                  {d.slice(5)}
                </text>
              </g>
            ))}
          </svg>
        </figure>
      )}
      {data && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Operation</th>
                <th scope="col">Model</th>
                <th scope="col">Credits</th>
                <th scope="col">Cost (USD)</th>
                <th scope="col">Site</th>
              </tr>
            </thead>
            <tbody>
              {data.items.length === 0 && (
                <tr>
                  <td colSpan={6}>No usage in this range.</td>
                </tr>
              )}
              {data.items.map((l) => (
                <tr key={l.id}>
                  <td>{when(l.created_at)}</td>
                  <td>{l.operation_type.replace(/_/g, " ")}</td>
                  <td>{l.model}</td>
                  <td>{fmt(l.credits_used)}</td>
                  <td>${(l.cost_micro_usd / 1e6).toFixed(4)}</td>
                  <td>{l.site_id}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={pages.page} total={data.total} size={SIZE} hasNext={!!data.next_cursor} onPrev={pages.prev} onNext={() => pages.next(data.next_cursor)} />
        </>
      )}
    </>
  );
}
