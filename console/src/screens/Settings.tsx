import { useEffect, useState, type FormEvent } from "react";
import { ApiError, api, must, type Schemas } from "../api/client";
import { ErrorBox, useLoad, when } from "../ui";

const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Sched = { daily_limit: string; weekly_limit: string; monthly_limit: string; publish_days: string[]; time_slots: string; time_zone: string };

// Two calls: the publishing settings and the integration. The toggles save
// at once (PATCH); limits, days, slots and zone save together with Save (PUT).
export function Settings({ site }: { site: string }) {
  const { data, error, setData } = useLoad(
    () =>
      Promise.all([
        must(api.GET("/v1/sites/{site}/publishing-settings", { params: { path: { site } } })),
        must(api.GET("/v1/sites/{site}/integration", { params: { path: { site } } })).catch((e) => (e instanceof ApiError && e.status === 404 ? undefined : Promise.reject(e))),
      ]),
    [site],
  );
  const [form, setForm] = useState<Sched>();
  const [saveError, setSaveError] = useState<unknown>();
  const [saved, setSaved] = useState("");
  const [check, setCheck] = useState<Schemas["ConnectionCheck"]>();
  const settings = data?.[0];
  useEffect(() => {
    if (settings && !form)
      setForm({
        daily_limit: String(settings.daily_limit),
        weekly_limit: String(settings.weekly_limit),
        monthly_limit: String(settings.monthly_limit),
        publish_days: settings.publish_days,
        time_slots: settings.time_slots.join(", "),
        time_zone: settings.time_zone,
      });
  }, [settings, form]);

  async function toggle(name: "auto_approval_enabled" | "auto_publish_enabled", value: boolean) {
    setSaveError(undefined);
    try {
      const s = await must(api.PATCH("/v1/sites/{site}/publishing-settings", { params: { path: { site } }, body: { [name]: value } }));
      setData(data && [s, data[1]]);
      setSaved(`${name === "auto_approval_enabled" ? "Auto-approval" : "Auto-publish"} ${value ? "on" : "off"}, saved.`);
    } catch (e) {
      setSaveError(e);
    }
  }
  async function save(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    setSaveError(undefined);
    setSaved("");
    try {
      const num = (v: string) => (v.trim() === "" ? null : Number(v));
      const s = await must(
        api.PUT("/v1/sites/{site}/publishing-settings", {
          params: { path: { site } },
          body: {
            daily_limit: num(form.daily_limit),
            weekly_limit: num(form.weekly_limit),
            monthly_limit: num(form.monthly_limit),
            publish_days: form.publish_days as Schemas["PublishingSchedule"]["publish_days"],
            time_slots: form.time_slots.split(/[\s,]+/).filter(Boolean),
            time_zone: form.time_zone,
          } as Schemas["PublishingSchedule"],
        }),
      );
      setData(data && [s, data[1]]);
      setSaved("Schedule saved.");
    } catch (err) {
      setSaveError(err);
    }
  }
  async function test() {
    setSaveError(undefined);
    try {
      setCheck(await must(api.POST("/v1/sites/{site}/integration/test", { params: { path: { site } } })));
    } catch (e) {
      setSaveError(e);
    }
  }
  const fieldErr = (name: string) =>
    saveError instanceof ApiError && saveError.field && saveError.field.split(/[ ,]+/).some((f) => f === name || f.startsWith(name + "[")) ? (
      <span className="field-error" role="alert">
        {saveError.message}
      </span>
    ) : null;
  if (error) return <ErrorBox error={error} />;
  if (!settings || !form) return <p>Loading…</p>;
  const integration = data?.[1];
  const set = (k: keyof Sched) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <>
      <h2>Publishing</h2>
      <div className="filters">
        <label>
          <input type="checkbox" name="auto_approval_enabled" checked={settings.auto_approval_enabled} onChange={(e) => toggle("auto_approval_enabled", e.target.checked)} /> Auto-approve
          what automation writes
        </label>
        <label>
          <input type="checkbox" name="auto_publish_enabled" checked={settings.auto_publish_enabled} onChange={(e) => toggle("auto_publish_enabled", e.target.checked)} /> Auto-publish
          approved content in the next free slot
        </label>
      </div>
      <p role="status">{saved}</p>
      {saveError instanceof ApiError && !saveError.field && <ErrorBox error={saveError} />}
      {saveError !== undefined && !(saveError instanceof ApiError) && <ErrorBox error={saveError} />}
      <form onSubmit={save} className="form">
        <label>
          Items per day <input name="daily_limit" inputMode="numeric" value={form.daily_limit} onChange={set("daily_limit")} />
          {fieldErr("daily_limit")}
        </label>
        <label>
          Items per week <input name="weekly_limit" inputMode="numeric" value={form.weekly_limit} onChange={set("weekly_limit")} />
          {fieldErr("weekly_limit")}
        </label>
        <label>
          Items per month <input name="monthly_limit" inputMode="numeric" value={form.monthly_limit} onChange={set("monthly_limit")} />
          {fieldErr("monthly_limit")}
        </label>
        <fieldset>
          <legend>Publish on</legend>
          {weekdays.map((d) => (
            <label key={d} style={{ display: "inline-block", marginRight: "0.8rem" }}>
              <input
                type="checkbox"
                checked={form.publish_days.includes(d)}
                onChange={(e) => setForm({ ...form, publish_days: e.target.checked ? weekdays.filter((w) => w === d || form.publish_days.includes(w)) : form.publish_days.filter((w) => w !== d) })}
              />{" "}
              {d}
            </label>
          ))}
          {fieldErr("publish_days")}
        </fieldset>
        <label>
          Time slots (HH:MM, comma separated) <input name="time_slots" value={form.time_slots} onChange={set("time_slots")} />
          {fieldErr("time_slots")}
        </label>
        <label>
          Time zone <input name="time_zone" value={form.time_zone} onChange={set("time_zone")} />
          {fieldErr("time_zone")}
        </label>
        <button type="submit" className="primary">
          Save
        </button>
      </form>
      <h2>Integration</h2>
      {integration ? (
        <>
          <p>
            {integration.platform} at {integration.url ?? integration.shop_domain ?? "—"}
            {integration.username && <> as {integration.username}</>} (secret {integration.secret_hint}), saved {when(integration.updated_at)}.
          </p>
          <button type="button" onClick={test}>
            Test the connection
          </button>
          {(check ?? integration.last_check) && (
            <p className={(check ?? integration.last_check)!.ok ? "ok" : "error"} data-testid="integration-check">
              {(check ?? integration.last_check)!.code}: {(check ?? integration.last_check)!.message} ({when((check ?? integration.last_check)!.checked_at)})
            </p>
          )}
        </>
      ) : (
        <p>Not connected. Add the connection on the add-site screen.</p>
      )}
    </>
  );
}
