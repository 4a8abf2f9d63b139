import { useState } from "react";
import { api, must } from "../api/client";
import { Link } from "../router";
import { Dialog, ErrorBox, useLoad } from "../ui";

const pad = (n: number) => String(n).padStart(2, "0");
const iso = (y: number, m: number, d: number) => {
  const t = new Date(Date.UTC(y, m, d));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
};

// One call: the calendar of a month (or a week), in the site's publishing
// time zone, which the API gives back with the days.
export function Calendar({ site }: { site: string }) {
  const now = new Date();
  const [view, setView] = useState<"month" | "week">("month");
  const [anchor, setAnchor] = useState({ y: now.getFullYear(), m: now.getMonth(), d: now.getDate() });
  let from: string, to: string;
  if (view === "month") {
    from = iso(anchor.y, anchor.m, 1);
    to = iso(anchor.y, anchor.m + 1, 0);
  } else {
    const wd = (new Date(Date.UTC(anchor.y, anchor.m, anchor.d)).getUTCDay() + 6) % 7; // Monday first
    from = iso(anchor.y, anchor.m, anchor.d - wd);
    to = iso(anchor.y, anchor.m, anchor.d - wd + 6);
  }
  const [moving, setMoving] = useState<{ id: string; title: string }>();
  const [at, setAt] = useState("");
  const [moveError, setMoveError] = useState<unknown>();
  const { data, error, reload } = useLoad(() => must(api.GET("/v1/sites/{site}/calendar", { params: { path: { site }, query: { from, to } } })), [site, from, to]);
  async function reschedule() {
    if (!moving || !at) return;
    setMoveError(undefined);
    try {
      // datetime-local is the browser's wall clock; the API takes an instant.
      await must(api.POST("/v1/sites/{site}/content/{content}/schedule", { params: { path: { site, content: moving.id } }, body: { at: new Date(at).toISOString() } }));
      setMoving(undefined);
      await reload();
    } catch (e) {
      setMoveError(e);
    }
  }
  const move = (n: number) => setAnchor(view === "month" ? { ...anchor, m: anchor.m + n, d: 1 } : { ...anchor, d: anchor.d + 7 * n });
  const lead = data ? (new Date(data.days[0].date + "T00:00:00Z").getUTCDay() + 6) % 7 : 0;
  return (
    <>
      <h2>
        Calendar {from} – {to}
      </h2>
      <div className="filters">
        <button type="button" onClick={() => move(-1)}>
          Previous {view}
        </button>
        <button type="button" onClick={() => move(1)}>
          Next {view}
        </button>
        <label>
          View{" "}
          <select value={view} onChange={(e) => setView(e.target.value as "month" | "week")} name="view">
            <option value="month">month</option>
            <option value="week">week</option>
          </select>
        </label>
        {data && (
          <span>
            Times in {data.time_zone}: {data.scheduled} scheduled, {data.published} published.
          </span>
        )}
      </div>
      <ErrorBox error={error} />
      {data && (
        <div className="calendar" aria-label="Publishing calendar">
          {["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map((d) => (
            <div key={d} className="dow" aria-hidden="true">
              {d}
            </div>
          ))}
          {Array.from({ length: lead }, (_, i) => (
            <div key={`lead${i}`} aria-hidden="true" />
          ))}
          {data.days.map((d) => (
            <div key={d.date} className="day" data-date={d.date}>
              <time dateTime={d.date}>{Number(d.date.slice(8))}</time>
              {d.scheduled.map((it) => (
                <div key={`s${it.content_id}`} data-testid="cal-scheduled">
                  {it.local_time} <Link href={`/sites/${site}/content/${it.content_id}`}>{it.title || "untitled"}</Link>{" "}
                  <button type="button" className="small" onClick={() => { setAt(""); setMoveError(undefined); setMoving({ id: it.content_id, title: it.title }); }} aria-label={`Reschedule ${it.title}`}>
                    Reschedule
                  </button>
                </div>
              ))}
              {d.published.map((it) => (
                <div key={`p${it.content_id}`} data-testid="cal-published">
                  ✓ {it.local_time}{" "}
                  {it.external_url ? (
                    <a href={it.external_url} target="_blank" rel="noreferrer">
                      {it.title || "post"}
                    </a>
                  ) : (
                    it.title
                  )}
                </div>
              ))}
            </div>
          ))}
        </div>
      )}
      <Dialog title="Reschedule" open={!!moving} onClose={() => setMoving(undefined)}>
        <p>{moving?.title}</p>
        <label>
          New time (your browser's clock) <input type="datetime-local" name="reschedule_at" value={at} onChange={(e) => setAt(e.target.value)} />
        </label>
        <ErrorBox error={moveError} />
        <div className="actions">
          <button type="button" className="primary" onClick={reschedule} disabled={!at}>
            Reschedule
          </button>
          <button type="button" onClick={() => setMoving(undefined)}>
            Cancel
          </button>
        </div>
      </Dialog>
    </>
  );
}
