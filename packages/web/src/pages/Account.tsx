import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { ApiError, authApi, data, fieldErrors } from "../api/client";
import { keys, markWrite, useMe } from "../api/queries";
import { endSession } from "../api/session";
import { Field } from "../components/Field";
import { ErrorState, Loading } from "../components/Status";
import { usePageTitle } from "../components/usePageTitle";
import { GenrePicker } from "./Signup";

export function AccountPage() {
  usePageTitle("Account");
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError || !me.data) return <ErrorState error={me.error} retry={() => me.refetch()} />;
  return (
    <div className="form-page">
      <h1>Account</h1>
      <p>
        Signed in as <strong>{me.data.email}</strong>
        {me.data.role === "admin" && " (operator)"}.
      </p>
      <Profile />
      <DeleteAccount />
    </div>
  );
}

function Profile() {
  const me = useMe();
  const client = useQueryClient();
  const [form, setForm] = useState({ first_name: "", last_name: "" });
  const [genres, setGenres] = useState<string[]>([]);
  useEffect(() => {
    if (me.data) {
      setForm({ first_name: me.data.first_name, last_name: me.data.last_name });
      setGenres(me.data.favorite_genres);
    }
  }, [me.data]);
  const save = useMutation({
    mutationFn: () =>
      data(authApi.PATCH("/auth/me", { body: { ...form, favorite_genres: genres as never } })),
    onSuccess: () => {
      markWrite();
      void client.invalidateQueries({ queryKey: keys.me });
      void client.invalidateQueries({ queryKey: keys.forYou });
    },
  });
  const errors = fieldErrors(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <section aria-labelledby="profile-h">
      <h2 id="profile-h">Profile</h2>
      <form onSubmit={submit}>
        <Field
          id="acc-first"
          label="First name"
          required
          maxLength={100}
          value={form.first_name}
          onChange={(e) => setForm({ ...form, first_name: e.target.value })}
          error={errors.first_name}
        />
        <Field
          id="acc-last"
          label="Last name"
          required
          maxLength={100}
          value={form.last_name}
          onChange={(e) => setForm({ ...form, last_name: e.target.value })}
          error={errors.last_name}
        />
        <GenrePicker value={genres} onChange={setGenres} legend="Favorite genres" />
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save profile"}
        </button>
        <span role="status">{save.isSuccess && !save.isPending ? "Saved." : ""}</span>
        {save.isError && !Object.keys(errors).length && <ErrorState error={save.error} />}
      </form>
    </section>
  );
}

function DeleteAccount() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const remove = useMutation({
    mutationFn: () => data(authApi.DELETE("/auth/me", { body: { password } })),
    onSuccess: () => {
      endSession("signed_out");
      client.clear();
      navigate("/?deleted=1", { replace: true });
    },
  });
  const wrong = remove.error instanceof ApiError && remove.error.status === 403;
  return (
    <section aria-labelledby="delete-h" className="danger-zone">
      <h2 id="delete-h">Delete account</h2>
      <p>
        This removes your account, your history and your ratings for good. It cannot be undone.
      </p>
      {!open ? (
        <button type="button" className="danger" onClick={() => setOpen(true)}>
          Delete my account…
        </button>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            remove.mutate();
          }}
        >
          <Field
            id="delete-password"
            label="Type your password to confirm"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={wrong ? "That password is not right." : undefined}
          />
          {remove.isError && !wrong && <ErrorState error={remove.error} />}
          <button type="submit" className="danger" disabled={remove.isPending}>
            {remove.isPending ? "Deleting…" : "Delete my account for good"}
          </button>{" "}
          <button type="button" className="secondary" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </form>
      )}
    </section>
  );
}
