import { useState } from "react";
import { api, must, type Schemas } from "../api/client";
import { Dialog, ErrorBox, fmt, Status, useLoad, when } from "../ui";

type Tier = "basic" | "quality" | "premium";

// One call: the content item with its images.
export function ContentDetail({ site, content }: { site: string; content: string }) {
  const { data: c, error, setData } = useLoad(() => must(api.GET("/v1/sites/{site}/content/{content}", { params: { path: { site, content } } })), [site, content]);
  const [actionError, setActionError] = useState<unknown>();
  const [note, setNote] = useState("");
  const [at, setAt] = useState("");
  const [regen, setRegen] = useState<Schemas["Image"]>();
  const p = { params: { path: { site, content } } };
  async function act(f: () => Promise<Schemas["Content"]>, what: string) {
    setActionError(undefined);
    try {
      const n = await f();
      setData(c && { ...c, ...n, images: c.images });
      setNote(what);
    } catch (e) {
      setActionError(e);
    }
  }
  if (error) return <ErrorBox error={error} />;
  if (!c) return <p>Loading…</p>;
  return (
    <>
      <h2>{c.title}</h2>
      <p>
        <Status value={c.status} /> <Status value={c.site_status} /> {fmt(c.word_count)} words
        {c.scheduled_publish_at && <> · scheduled for {when(c.scheduled_publish_at)}</>}
        {c.external_url && (
          <>
            {" "}
            · published {when(c.published_at)}:{" "}
            <a href={c.external_url} data-testid="external-url">
              view the post
            </a>
          </>
        )}
        {c.publish_error && <span className="field-error"> · {c.publish_error}</span>}
        {c.reject_reason && <> · rejected: {c.reject_reason}</>}
      </p>
      <div className="filters">
        <button type="button" onClick={() => act(() => must(api.POST("/v1/sites/{site}/content/{content}/approve", p)), "Approved.")} disabled={c.status === "approved"}>
          Approve
        </button>
        <button type="button" onClick={() => act(() => must(api.POST("/v1/sites/{site}/content/{content}/reject", { ...p, body: {} })), "Rejected.")} disabled={c.status === "rejected"}>
          Reject
        </button>
        <button type="button" onClick={() => act(() => must(api.POST("/v1/sites/{site}/content/{content}/publish", p)), "Publishing now.")}>
          Publish now
        </button>
        <label>
          Schedule at <input type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} name="schedule_at" />
        </label>
        <button
          type="button"
          disabled={!at}
          onClick={() => act(() => must(api.POST("/v1/sites/{site}/content/{content}/schedule", { ...p, body: { at: new Date(at).toISOString() } })), "Scheduled.")}
        >
          Schedule
        </button>
        {c.site_status === "scheduled" && (
          <button type="button" onClick={() => act(() => must(api.DELETE("/v1/sites/{site}/content/{content}/schedule", p)), "Taken off the schedule.")}>
            Unschedule
          </button>
        )}
      </div>
      <p role="status">{note}</p>
      <ErrorBox error={actionError} />
      <h3>Images</h3>
      <div className="cards">
        {c.images.map((im) => (
          <figure key={im.id} className="card">
            {im.url ? <img src={im.url} alt={im.prompt ?? ""} width={200} /> : <div>({im.status})</div>}
            <figcaption>
              {im.image_type} · <Status value={im.status} />
              <br />
              <button type="button" onClick={() => setRegen(im)} disabled={im.status === "superseded"}>
                Regenerate…
              </button>
            </figcaption>
          </figure>
        ))}
        {c.images.length === 0 && <p>No images yet.</p>}
      </div>
      {c.meta_description && <p>Meta description: {c.meta_description}</p>}
      {/* The article is model output: shown in a sandbox (no scripts, no same origin), never in the console's own page. */}
      <iframe className="article" sandbox="" srcDoc={c.html ?? ""} title="Article" width="100%" height={600} />
      {regen && <RegenerateDialog site={site} image={regen} onClose={() => setRegen(undefined)} />}
    </>
  );
}

/** The regeneration dialog: prompt choice, tier (names only) and the quoted
 * cost before confirming. */
function RegenerateDialog({ site, image, onClose }: { site: string; image: Schemas["Image"]; onClose: () => void }) {
  const [tier, setTier] = useState<Tier | "">("");
  const [original, setOriginal] = useState(true);
  const [custom, setCustom] = useState("");
  const [started, setStarted] = useState<Schemas["OperationStarted"]>();
  const [err, setErr] = useState<unknown>();
  const { data: quote, error } = useLoad(
    () => must(api.GET("/v1/sites/{site}/images/{image}/regenerate/quote", { params: { path: { site, image: image.id }, query: { quality_tier: tier || undefined } } })),
    [site, image.id, tier],
  );
  async function confirm() {
    setErr(undefined);
    try {
      setStarted(
        await must(
          api.POST("/v1/sites/{site}/images/{image}/regenerate", {
            params: { path: { site, image: image.id } },
            body: original ? { use_original_prompt: true, quality_tier: tier } : { use_original_prompt: false, custom_prompt: custom, quality_tier: tier },
          }),
        ),
      );
    } catch (e) {
      setErr(e);
    }
  }
  return (
    <Dialog title="Regenerate image" open onClose={onClose}>
      <p className="clip">Prompt: {image.prompt}</p>
      <fieldset>
        <legend>Prompt</legend>
        <label>
          <input type="radio" name="prompt" checked={original} onChange={() => setOriginal(true)} /> Use the original prompt
        </label>
        <br />
        <label>
          <input type="radio" name="prompt" checked={!original} onChange={() => setOriginal(false)} /> Add to it:
        </label>{" "}
        <input aria-label="Custom prompt" value={custom} onChange={(e) => setCustom(e.target.value)} disabled={original} />
      </fieldset>
      <label>
        Quality{" "}
        <select value={tier} onChange={(e) => setTier(e.target.value as Tier | "")} name="quality_tier">
          <option value="">default</option>
          <option value="basic">basic</option>
          <option value="quality">quality</option>
          <option value="premium">premium</option>
        </select>
      </label>
      <ErrorBox error={error ?? err} />
      {quote && (
        <p data-testid="regen-quote">
          {quote.model}: <strong>{fmt(quote.credits)} credits</strong> (available {fmt(quote.available)}){!quote.sufficient && " — not enough credits"}
        </p>
      )}
      {started ? (
        <p role="status" className="ok">
          Started: {fmt(started.estimated_credits)} credits reserved.
        </p>
      ) : (
        <div className="actions">
          <button type="button" className="primary" onClick={confirm} disabled={!quote || !quote.sufficient || (!original && !custom.trim())}>
            Regenerate for {quote ? fmt(quote.credits) : "…"} credits
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      )}
      {started && (
        <button type="button" onClick={onClose}>
          Close
        </button>
      )}
    </Dialog>
  );
}
