import { useEffect, useState } from "react";
import { api, must, type Schemas } from "../api/client";
import { ErrorBox, fmt, Status, useLoad, when } from "../ui";

type Run = Schemas["AutomationRun"];
const active = (r?: Run) => !!r && ["running", "paused", "cancelling"].includes(r.status);
const POLL_MS = 1500; // the issue asks for at least every 2 s

// Three calls: the configuration, the estimate and the run history (whose
// newest run, when active, is then refreshed every 1.5 s until it ends).
export function Automation({ site }: { site: string }) {
  const p = { params: { path: { site } } };
  const { data, error, reload } = useLoad(
    () =>
      Promise.all([
        must(api.GET("/v1/sites/{site}/automation/config", p)),
        must(api.GET("/v1/sites/{site}/automation/estimate", p)),
        must(api.GET("/v1/sites/{site}/automation/runs", { params: { path: { site }, query: { limit: 10 } } })),
      ]),
    [site],
  );
  const [run, setRun] = useState<Run>();
  const [actionError, setActionError] = useState<unknown>();
  useEffect(() => setRun(data?.[2].items[0]), [data]);
  const live = active(run);
  const runId = run?.id;
  useEffect(() => {
    if (!live || !runId) return;
    const t = setInterval(async () => {
      try {
        const r = await must(api.GET("/v1/sites/{site}/automation/runs/{run}", { params: { path: { site, run: runId } } }));
        setRun(r);
        if (!active(r)) void reload(); // the run ended: fresh estimate and history
      } catch (e) {
        setActionError(e);
      }
    }, POLL_MS);
    return () => clearInterval(t);
  }, [live, runId, site, reload]);

  async function start() {
    setActionError(undefined);
    try {
      setRun(await must(api.POST("/v1/sites/{site}/automation/runs", { ...p, body: {} })));
    } catch (e) {
      setActionError(e);
    }
  }
  async function control(what: "pause" | "resume" | "cancel") {
    if (!run) return;
    setActionError(undefined);
    const q = { params: { path: { site, run: run.id } } };
    try {
      const r =
        what === "pause"
          ? await must(api.POST("/v1/sites/{site}/automation/runs/{run}/pause", q))
          : what === "resume"
            ? await must(api.POST("/v1/sites/{site}/automation/runs/{run}/resume", q))
            : await must(api.POST("/v1/sites/{site}/automation/runs/{run}/cancel", q));
      setRun(r);
    } catch (e) {
      setActionError(e);
    }
  }
  if (error) return <ErrorBox error={error} />;
  if (!data) return <p>Loading…</p>;
  const [config, estimate, history] = data;
  return (
    <>
      <h2>
        Automation{" "}
        {run && (
          <span className="badge" data-testid="credit-badge" aria-label={`Credits used by the run: ${run.total_credits_used}`}>
            {fmt(run.total_credits_used)} credits
          </span>
        )}
      </h2>
      {run && (
        <p>
          Run {run.id}: <Status value={run.status} /> (started {when(run.started_at)}, estimated {fmt(run.estimated_credits)} credits)
          {live && " — refreshing every 1.5 s"}
        </p>
      )}
      <div className="stages" aria-live="polite">
        {(run?.stages ?? estimate.stages.map((s) => ({ stage: s.stage, name: s.name, status: "pending" as const, total: s.items, processed: 0, failed: 0, credits_used: 0 }))).map((s) => (
          <div key={s.stage} className="card" data-testid={`stage-${s.stage}`}>
            <div className="label">
              Stage {s.stage}: {s.name}
            </div>
            <Status value={s.status} />
            <div>
              {fmt(s.processed)} / {fmt(s.total)} processed{s.failed > 0 && <span className="field-error">, {fmt(s.failed)} failed</span>}
            </div>
            <div>{run ? `${fmt(s.credits_used)} credits` : `estimate ${fmt(estimate.stages[s.stage - 1]?.credits)} credits`}</div>
          </div>
        ))}
      </div>
      <div className="filters">
        {!live && (
          <button type="button" className="primary" onClick={start} disabled={!estimate.sufficient}>
            Start a run
          </button>
        )}
        {run?.status === "running" && (
          <button type="button" onClick={() => control("pause")}>
            Pause
          </button>
        )}
        {run?.status === "paused" && (
          <button type="button" onClick={() => control("resume")}>
            Resume
          </button>
        )}
        {(run?.status === "running" || run?.status === "paused") && (
          <button type="button" onClick={() => control("cancel")}>
            Cancel
          </button>
        )}
      </div>
      <p data-testid="estimate">
        Estimate: {fmt(estimate.total_credits)} credits. A run starts only with {fmt(estimate.required_credits)} credits available (1.2 × the estimate, rounded up,
        so that estimates that come out low do not stop it halfway); you have {fmt(estimate.available_credits)}.
        {!estimate.sufficient && <strong> Not enough credits to start.</strong>}
      </p>
      <ErrorBox error={actionError} />
      <h3>Configuration</h3>
      <dl className="cards">
        <div className="card">
          <dt className="label">Scheduled runs</dt>
          <dd>{config.enabled ? `on (${config.schedule.frequency} at ${config.schedule.time}${config.schedule.weekday ? `, ${config.schedule.weekday}` : ""})` : "off"}</dd>
        </div>
        <div className="card">
          <dt className="label">Per run at most</dt>
          <dd>
            {fmt(config.max_keywords_per_run)} keywords, {fmt(config.max_content_per_run)} articles, {fmt(config.max_images_per_run)} images,{" "}
            {config.max_credits_per_run ? `${fmt(config.max_credits_per_run)} credits` : "no credit limit"}
          </dd>
        </div>
        <div className="card">
          <dt className="label">Batches</dt>
          <dd>
            {config.stage_1_batch_size} / {config.stage_2_batch_size} / {config.stage_4_batch_size} / {config.stage_6_batch_size}, {config.delay_between_batches_seconds} s apart
          </dd>
        </div>
      </dl>
      <h3>History</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col">Credits</th>
          </tr>
        </thead>
        <tbody>
          {history.items.length === 0 && (
            <tr>
              <td colSpan={4}>No runs yet.</td>
            </tr>
          )}
          {history.items.map((r) => (
            <tr key={r.id}>
              <td>{when(r.started_at)}</td>
              <td>{r.trigger}</td>
              <td>
                <Status value={r.status} />
              </td>
              <td>
                {fmt(r.total_credits_used)} of {fmt(r.estimated_credits)} estimated
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
