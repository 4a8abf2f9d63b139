import { useState } from "react";
import { api, must, type Schemas } from "../api/client";
import { ErrorBox } from "../ui";

/** Import keywords from a CSV file (header: keyword, volume, difficulty, intent). */
export function ImportKeywords({ site, onDone }: { site: string; onDone: () => void }) {
  const [file, setFile] = useState<File>();
  const [report, setReport] = useState<Schemas["KeywordReport"]>();
  const [error, setError] = useState<unknown>();
  async function upload() {
    if (!file) return;
    setError(undefined);
    try {
      const csv = await file.text();
      const r = await must(
        api.POST("/v1/sites/{site}/keywords/import", {
          params: { path: { site } },
          body: csv,
          bodySerializer: (b: string) => b,
          headers: { "Content-Type": "text/csv" },
        }),
      );
      setReport(r);
      onDone();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <div className="filters" role="group" aria-label="Import keywords">
      <label>
        Import CSV <input type="file" accept=".csv,text/csv" name="csv" onChange={(e) => setFile(e.target.files?.[0])} />
      </label>
      <button type="button" onClick={upload} disabled={!file}>
        Import
      </button>
      {report && (
        <span role="status" data-testid="import-report">
          {report.summary.added} added, {report.summary.duplicates} duplicates, {report.summary.invalid} invalid
        </span>
      )}
      <ErrorBox error={error} />
    </div>
  );
}
