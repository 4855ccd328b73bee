// Generated artwork for a movie (there are no poster images offline): a poster whose
// colours come from the movie's genres, whose shapes come from a hash of its title, and
// which carries the title itself. The same movie always gets the same poster.

const PALETTE: Record<string, [string, string]> = {
  Action: ["#b3261e", "#f28b24"],
  Adventure: ["#1f6f50", "#e0b83a"],
  Animation: ["#5b3cc4", "#ff8ad8"],
  Children: ["#2a8fd6", "#ffd84d"],
  Comedy: ["#f2a516", "#ff6f61"],
  Crime: ["#1b1b2f", "#8c1c13"],
  Documentary: ["#3c5a40", "#c9c19f"],
  Drama: ["#3a2d5c", "#c05a7a"],
  Fantasy: ["#2b1e6b", "#45c4b0"],
  "Film-Noir": ["#111111", "#8a8a8a"],
  Horror: ["#0d0d0d", "#7a0c0c"],
  IMAX: ["#073b4c", "#06d6a0"],
  Musical: ["#7b2cbf", "#ffb703"],
  Mystery: ["#14213d", "#5e6ad2"],
  Romance: ["#9d174d", "#f9a8d4"],
  "Sci-Fi": ["#03045e", "#00b4d8"],
  Thriller: ["#212529", "#d00000"],
  War: ["#3d3d29", "#a68a64"],
  Western: ["#7f4f24", "#e9c46a"],
};
const FALLBACK: [string, string] = ["#2f3e46", "#84a98c"];

/** A stable 32-bit hash of a string (FNV-1a). */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The title in lines of at most `width` characters, at most `max` lines. */
export function titleLines(title: string, width = 13, max = 4): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of title.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (next.length <= width || !line) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > max) {
    lines.length = max;
    lines[max - 1] = `${lines[max - 1].slice(0, width - 1)}…`;
  }
  return lines.map((l) => (l.length > width + 3 ? `${l.slice(0, width)}…` : l));
}

export function Artwork({
  title,
  genres,
  year,
  size = "card",
}: {
  title: string;
  genres: string[];
  year?: number | null;
  size?: "card" | "large";
}) {
  const h = hash(title);
  const [a, b] = PALETTE[genres[0]] ?? FALLBACK;
  const accent = (PALETTE[genres[1]] ?? [b, a])[1];
  const id = `g${h.toString(36)}`;
  const shape = h % 3;
  const cx = 30 + (h % 140);
  const cy = 40 + ((h >>> 8) % 120);
  const r = 40 + ((h >>> 16) % 60);
  const angle = (h >>> 4) % 180;
  const lines = titleLines(title);
  return (
    <svg
      className={`artwork artwork-${size}`}
      viewBox="0 0 200 300"
      role="img"
      aria-hidden="true"
      focusable="false"
    >
      <defs>
        <linearGradient id={id} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor={a} />
          <stop offset="1" stopColor={b} />
        </linearGradient>
      </defs>
      <rect width="200" height="300" fill={`url(#${id})`} />
      {shape === 0 && <circle cx={cx} cy={cy} r={r} fill={accent} opacity="0.55" />}
      {shape === 1 && (
        <g transform={`rotate(${angle} 100 100)`} opacity="0.45">
          {[0, 1, 2, 3].map((i) => (
            <rect key={i} x={-60 + i * 70} y="-40" width="28" height="300" fill={accent} />
          ))}
        </g>
      )}
      {shape === 2 && (
        <polygon
          points={`${cx},${cy - r} ${cx + r},${cy + r} ${cx - r},${cy + r}`}
          fill={accent}
          opacity="0.5"
        />
      )}
      <rect y="180" width="200" height="120" fill="#000" opacity="0.35" />
      {year ? (
        <text x="14" y="26" fill="#fff" fontSize="15" fontFamily="system-ui, sans-serif" opacity="0.85">
          {year}
        </text>
      ) : null}
      <text fill="#fff" fontSize="21" fontWeight="700" fontFamily="Georgia, 'Times New Roman', serif">
        {lines.map((line, i) => (
          <tspan key={i} x="14" y={290 - (lines.length - i) * 25}>
            {line}
          </tspan>
        ))}
      </text>
    </svg>
  );
}
