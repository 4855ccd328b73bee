// Operators' experiments: create one (2–4 variants of the default feed), start and stop
// it, read its results with their 95 % intervals and the verdict.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { data, fieldErrors, recsApi, type Strategy } from "../../api/client";
import type { components } from "../../api/generated/recs";
import { Field } from "../../components/Field";
import { ErrorState, Loading } from "../../components/Status";
import { usePageTitle } from "../../components/usePageTitle";

type Experiment = components["schemas"]["ExperimentOut"];
// The form always sends a diversity (the service's default is offered).
type VariantIn = components["schemas"]["VariantIn"] & { diversity: number };
type Interval = components["schemas"]["Interval"];

const STRATEGIES: Strategy[] = ["hybrid", "history", "ratings", "popular"];
const EXPERIMENTS = ["experiments"] as const;

export function ExperimentsPage() {
  usePageTitle("Experiments");
  const list = useQuery({
    queryKey: EXPERIMENTS,
    queryFn: () =>
      data(recsApi.GET("/recommendations/experiments", { params: { query: { limit: 50 } } })),
  });
  return (
    <div>
      <h1>Experiments</h1>
      <p>
        Each experiment serves 2–4 variants of the default “For you” feed; a user always sees
        the same one. One runs at a time. Results compare each variant with the first on
        click-through rate, with a verdict that stays valid however often you look.
      </p>
      {list.isPending && <Loading />}
      {list.isError && <ErrorState error={list.error} retry={() => list.refetch()} />}
      {list.data && list.data.items.length > 0 && (
        <div className="table-scroll">
          <table className="entries">
            <caption className="visually-hidden">Experiments, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Variants</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((e) => (
                <tr key={e.experiment_id}>
                  <td>
                    <Link to={`/admin/experiments/${e.experiment_id}`}>{e.name}</Link>
                  </td>
                  <td>{e.status}</td>
                  <td>{e.variants.map((v) => v.name).join(" vs ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewExperiment />
    </div>
  );
}

const blank = (name: string, strategy: Strategy): VariantIn => ({
  name,
  strategy,
  diversity: 0.1,
  weight: 1,
});

function NewExperiment() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [variants, setVariants] = useState<VariantIn[]>([
    blank("control", "popular"),
    blank("treatment", "hybrid"),
  ]);
  const create = useMutation({
    mutationFn: () =>
      data(
        recsApi.POST("/recommendations/experiments", {
          body: { name: name.trim(), description, variants },
        }),
      ),
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: EXPERIMENTS });
      navigate(`/admin/experiments/${created.experiment_id}`);
    },
  });
  const errors = fieldErrors(create.error);
  const change = (i: number, patch: Partial<VariantIn>) =>
    setVariants((vs) => vs.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <section aria-labelledby="new-h" className="form-page">
      <h2 id="new-h">New experiment</h2>
      <form onSubmit={submit}>
        <Field
          id="experiment-name"
          label="Name"
          required
          maxLength={80}
          value={name}
          error={errors.name}
          onChange={(e) => setName(e.target.value)}
        />
        <Field
          id="experiment-description"
          label="Description (optional)"
          maxLength={2000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        {variants.map((v, i) => (
          <fieldset key={i} className="variant">
            <legend>{i === 0 ? "Variant 1 (control)" : `Variant ${i + 1}`}</legend>
            <Field
              id={`variant-${i}-name`}
              label="Variant name"
              required
              maxLength={40}
              value={v.name}
              onChange={(e) => change(i, { name: e.target.value })}
            />
            <label htmlFor={`variant-${i}-strategy`}>Strategy</label>
            <select
              id={`variant-${i}-strategy`}
              value={v.strategy}
              onChange={(e) => change(i, { strategy: e.target.value as Strategy })}
            >
              {STRATEGIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
            <Field
              id={`variant-${i}-diversity`}
              label="Diversity (0–1)"
              type="number"
              min={0}
              max={1}
              step={0.05}
              value={v.diversity}
              onChange={(e) => change(i, { diversity: Number(e.target.value) })}
            />
            <Field
              id={`variant-${i}-weight`}
              label="Traffic weight"
              type="number"
              min={0.01}
              max={100}
              step={0.01}
              value={v.weight ?? 1}
              onChange={(e) => change(i, { weight: Number(e.target.value) })}
            />
            {variants.length > 2 && (
              <button
                type="button"
                className="link-button"
                onClick={() => setVariants((vs) => vs.filter((_, j) => j !== i))}
              >
                Remove variant {i + 1}
              </button>
            )}
          </fieldset>
        ))}
        {variants.length < 4 && (
          <button
            type="button"
            onClick={() =>
              setVariants((vs) => [...vs, blank(`variant ${vs.length + 1}`, "hybrid")])
            }
          >
            Add a variant
          </button>
        )}
        {create.isError && <ErrorState error={create.error} />}
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create experiment"}
        </button>
      </form>
    </section>
  );
}

/** "0.123 (0.100–0.146)", a rate shown as a percentage when ``percent``. */
export function formatInterval(x: Interval, percent = true): string {
  if (x.value == null) return "—";
  const f = (v: number) => (percent ? `${(v * 100).toFixed(1)} %` : v.toFixed(2));
  if (x.low == null || x.high == null) return f(x.value);
  return `${f(x.value)} (${f(x.low)} – ${f(x.high)})`;
}

export function ExperimentPage() {
  const id = Number(useParams().id);
  const client = useQueryClient();
  const results = useQuery({
    queryKey: [...EXPERIMENTS, id],
    queryFn: () =>
      data(
        recsApi.GET("/recommendations/experiments/{experiment_id}/results", {
          params: { path: { experiment_id: id } },
        }),
      ),
    refetchInterval: (query) => (query.state.data?.status === "running" ? 10_000 : false),
  });
  usePageTitle(results.data ? `Experiment ${results.data.name}` : "Experiment");
  const act = useMutation({
    mutationFn: (action: "start" | "stop"): Promise<Experiment> =>
      data(
        action === "start"
          ? recsApi.POST("/recommendations/experiments/{experiment_id}/start", {
              params: { path: { experiment_id: id } },
            })
          : recsApi.POST("/recommendations/experiments/{experiment_id}/stop", {
              params: { path: { experiment_id: id } },
            }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: EXPERIMENTS }),
  });
  if (results.isPending) return <Loading />;
  if (results.isError) return <ErrorState error={results.error} retry={() => results.refetch()} />;
  const r = results.data;
  const verdict = r.verdict;
  return (
    <div>
      <p>
        <Link to="/admin/experiments">All experiments</Link>
      </p>
      <h1>Experiment {r.name}</h1>
      <p role="status">
        Status: {r.status}
        {r.started_at && ` · started ${new Date(r.started_at).toLocaleString()}`}
        {r.stopped_at && ` · stopped ${new Date(r.stopped_at).toLocaleString()}`}
      </p>
      {r.status !== "stopped" && (
        <button
          type="button"
          onClick={() => act.mutate(r.status === "draft" ? "start" : "stop")}
          disabled={act.isPending}
        >
          {r.status === "draft" ? "Start experiment" : "Stop experiment"}
        </button>
      )}
      {act.isError && <ErrorState error={act.error} />}
      <section aria-labelledby="results-h">
        <h2 id="results-h">Results</h2>
        <p className={verdict.decided ? "verdict decided" : "verdict"}>{verdict.text}</p>
        <div className="table-scroll">
          <table className="entries">
            <caption className="visually-hidden">
              Per variant: users, impressions and rates with 95 % confidence intervals
            </caption>
            <thead>
              <tr>
                <th scope="col">Variant</th>
                <th scope="col">Users</th>
                <th scope="col">Impressions</th>
                <th scope="col">Click-through</th>
                <th scope="col">Watch rate</th>
                <th scope="col">Rating rate</th>
                <th scope="col">Mean rating</th>
              </tr>
            </thead>
            <tbody>
              {r.variants.map((v) => (
                <tr key={v.name}>
                  <th scope="row">
                    {v.name}{" "}
                    <span className="muted">
                      ({v.strategy}, diversity {v.diversity})
                    </span>
                  </th>
                  <td>{v.users}</td>
                  <td>{v.impressions}</td>
                  <td>{formatInterval(v.metrics.click_through_rate)}</td>
                  <td>{formatInterval(v.metrics.watch_rate)}</td>
                  <td>{formatInterval(v.metrics.rating_rate)}</td>
                  <td>{formatInterval(v.metrics.mean_rating, false)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted">
          Intervals: 95 %, over users. Verdict: {verdict.method} on {verdict.primary_metric.replace(/_/g, " ")}
          , α = {verdict.alpha}
          {verdict.comparisons.map((c) => ` · ${c.variant} vs ${c.against}: p = ${c.p_value.toPrecision(3)}`)}
        </p>
      </section>
    </div>
  );
}
