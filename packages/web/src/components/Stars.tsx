// Rating with half stars: ten radio buttons (0.5 … 5), so the keyboard and screen readers
// work as with any radio group (arrow keys move and choose).

import { useEffect, useId, useState } from "react";

export const SCORES = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];

export function Stars({
  value,
  onChange,
  disabled = false,
  label = "Your rating",
}: {
  value: number | null;
  onChange: (score: number) => void;
  disabled?: boolean;
  label?: string;
}) {
  const name = useId();
  const [hover, setHover] = useState<number | null>(null);
  // The score just chosen, shown at once (until the saved value comes back).
  const [chosen, setChosen] = useState<number | null>(null);
  useEffect(() => setChosen(null), [value]);
  const current = chosen ?? value;
  const shown = hover ?? current ?? 0;
  return (
    <fieldset className="stars" disabled={disabled} onMouseLeave={() => setHover(null)}>
      <legend>{label}</legend>
      <div className="stars-row">
        {SCORES.map((score) => (
          <label
            key={score}
            className={`star ${score % 1 ? "half-left" : "half-right"} ${score <= shown ? "on" : ""}`}
            onMouseEnter={() => setHover(score)}
          >
            <input
              type="radio"
              name={name}
              value={score}
              checked={current === score}
              onChange={() => {
                setChosen(score);
                onChange(score);
              }}
              className="visually-hidden"
            />
            <span className="visually-hidden">
              {score} {score === 1 ? "star" : "stars"}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A score as stars for reading (not input). */
export function StarText({ score }: { score: number }) {
  const full = Math.floor(score);
  const half = score % 1 >= 0.5;
  return (
    <span className="star-text" aria-label={`${score} of 5 stars`}>
      {"★".repeat(full)}
      {half ? "½" : ""}
      <span aria-hidden="true">{` ${score}`}</span>
    </span>
  );
}
