import AnonVMASim
import TermRender

/// How the app looks: the glyphs (Unicode or `--ascii`) and a style for each meaning. Frames
/// without colour (`--no-color`, text output) drop the colours afterwards, keeping the attributes.
///
/// Secondary text is `dim`: on a terminal with 256 colours it is drawn in grey 243 (#767676:
/// 4.6:1 on black, 4.5:1 on white; the terminal's faint attribute gives about 4.4:1 on black),
/// with 8 or 16 colours and without colour it is faint (`TerminalStyle`, `XtermPalette.dimGrey`).
/// Every style a frame uses reads with 4.5:1 with 256 colours, as casts play them (ContrastTests).
struct Theme: Sendable {
  var glyphs: Glyphs

  static let unicode = Theme(glyphs: .unicode)
  static let ascii = Theme(glyphs: .ascii, isASCII: true)

  // Text and frame.
  /// Ordinary text.
  var text = Style.plain
  /// Secondary text: cut-content notes, hints, labels, what was freed (grey 243 with 256 colours).
  var hint = Style(dim: true)
  /// A pane's border and title.
  var border = Style.plain
  /// The focused pane's border and title.
  var focusedBorder = Style(fg: .cyan, bold: true)
  /// The padding of the selected line (its text is drawn reversed).
  var selection = Style(reverse: true)
  /// The header line, and its title.
  var header = Style(reverse: true)
  var headerTitle = Style(bold: true, reverse: true)
  /// The header's progress bar (not reversed: its filled part must read as filled).
  var progress = Style.plain
  /// The status line's right part and a prompt being typed.
  var status = Style(bold: true)
  var prompt = Style(bold: true)
  /// The step number and label, a live process, an anon_vma's name.
  var strong = Style(bold: true)

  // What a step changed.
  /// New since the step before (`+`).
  var added = Style(fg: .green, bold: true)
  /// Gone in this step (`-`).
  var removed = Style(fg: .red, bold: true)
  /// Changed in this step (`~`).
  var changed = Style(fg: .yellow, bold: true)

  // The kernel objects.
  /// Under the lock lens: an anon_vma whose lock is held, or that the held lock covers, and the
  /// VMAs linked to one.
  var lockLens = Style(fg: .yellow, bold: true)
  /// `LOCKED by cpuN`.
  var lockHeld = Style(fg: .red, bold: true, reverse: true)
  /// CPUs waiting for a lock.
  var waiting = Style(fg: .magenta, bold: true)
  /// An exited process.
  var exited = Style(dim: true)
  /// A folded run of identical subtrees.
  var fold = Style(fg: .cyan, bold: true)
  /// Matrix: vma->anon_vma, a chain link, no link; a freed anon_vma's column.
  var ownAnonVMA = Style(fg: .green, bold: true)
  var chainLink = Style(bold: true)
  var noLink = Style(dim: true)
  var freedColumn = Style(bold: true, dim: true)
  /// The rmap walk of the step.
  var rmapWalk = Style(fg: .cyan)
  /// In a comparison: what differs from the other model (with the `≠` glyph).
  var differs = Style(fg: .magenta, bold: true, underline: true)
  /// Diagram: what the selected object points to or is pointed to by (`◇`; the selection
  /// itself is `selection`, `◆`), and an object that differs from the other model (`≠`).
  var related = Style(bold: true, underline: true)
  var emphasized = Style(fg: .magenta, bold: true)

  // Narration.
  /// The kernel function of a micro-step.
  var function = Style(fg: .cyan, bold: true)
  var chapter = Style(fg: .magenta)
  var note = Style(fg: .yellow)
  /// A CPU lane: blocked, deadlocked.
  var blocked = Style(fg: .magenta, bold: true)
  var deadlocked = Style(fg: .red, bold: true)
  /// An invariant violation, and a message of a failed command.
  var violation = Style(fg: .red, bold: true)
  var error = Style(fg: .red, bold: true)
  /// A message of what a key did, and a warning (something did nothing or needs a confirmation).
  var info = Style(bold: true)
  var warning = Style(fg: .yellow, bold: true)

  /// Whether frames are ASCII only (`--ascii`): text from the model and the scene goes through
  /// `plain(_:)`.
  var isASCII = false

  /// Text as this theme can show it: spelled in ASCII under `--ascii` (`String.asciiOnly`), as
  /// it is otherwise. Applied before wrapping, so the widths are the shown ones.
  func plain(_ text: String) -> String { isASCII ? text.asciiOnly : text }

  /// A message's glyph and style by its kind: `·` info, `⚠` warning (yellow), `✗` error (red);
  /// `-`, `!` and `X` in ASCII.
  func notice(_ kind: NoticeKind) -> (glyph: String, style: Style) {
    switch kind {
    case .info: return (glyphs.info, info)
    case .warning: return (glyphs.warning, warning)
    case .error: return (glyphs.error, error)
    }
  }
}

/// Glyphs, Unicode or ASCII (`--ascii`).
struct Glyphs {
  var h, v, tl, tr, bl, br: String
  var chain, own, none, arrow, lock, bar, full, empty, branch, added, removed, changed: String
  var running, blocked, deadlocked, idle, more: String
  var dot, openQuote, closeQuote, times, up: String
  /// Marks text cut at a word boundary (titles, the status line).
  var ellipsis: String
  /// Marks what differs from the other model in a comparison.
  var differs: String
  /// Where a line inside a box meets its top and bottom borders.
  var teeDown = "┬", teeUp = "┴"
  /// A message's kind (`Theme.notice(_:)`).
  var info = "·", warning = "⚠", error = "✗"

  /// Every glyph is in DejaVu Sans Mono, the first font of the exported SVG frames (a blocked
  /// CPU's ⧗ was a missing-glyph box in every PNG a handout used; `‖` reads as paused).
  static let unicode = Glyphs(
    h: "─", v: "│", tl: "┌", tr: "┐", bl: "└", br: "┘", chain: "●", own: "◉", none: "·", arrow: "→",
    lock: "■", bar: "▌", full: "█", empty: "░", branch: "└ ", added: "+", removed: "-", changed: "~",
    running: "▶", blocked: "‖", deadlocked: "✖", idle: "·", more: "↓", dot: "·", openQuote: "“",
    closeQuote: "”", times: "×", up: "↑", ellipsis: "…", differs: "≠")
  static let ascii = Glyphs(
    h: "-", v: "|", tl: "+", tr: "+", bl: "+", br: "+", chain: "*", own: "@", none: ".", arrow: "->",
    lock: "#", bar: "|", full: "#", empty: ".", branch: "`-", added: "+", removed: "-", changed: "~",
    running: ">", blocked: "B", deadlocked: "X", idle: ".", more: "v", dot: "|", openQuote: "\"",
    closeQuote: "\"", times: "x", up: "^", ellipsis: "...", differs: "!=", teeDown: "+", teeUp: "+", info: "-",
    warning: "!", error: "X")

  /// A CPU's state as one glyph.
  func cpuState(_ state: CPUState) -> String {
    switch state {
    case .idle: return idle
    case .running: return running
    case .blocked: return blocked
    case .deadlocked: return deadlocked
    }
  }
}
