import AnonVMASim
import TermRender

/// Glyphs, Unicode or ASCII (`--ascii`).
struct Glyphs {
  var h, v, tl, tr, bl, br: String
  var chain, own, none, arrow, lock, bar, full, empty, branch, added, removed, changed: String
  var running, blocked, deadlocked, idle, more: String
  var dot, openQuote, closeQuote, times, up: String

  static let unicode = Glyphs(
    h: "─", v: "│", tl: "┌", tr: "┐", bl: "└", br: "┘", chain: "●", own: "◉", none: "·", arrow: "→",
    lock: "■", bar: "▌", full: "█", empty: "░", branch: "└ ", added: "+", removed: "-", changed: "~",
    running: "▶", blocked: "⧗", deadlocked: "✖", idle: "·", more: "↓", dot: "·", openQuote: "“",
    closeQuote: "”", times: "×", up: "↑")
  static let ascii = Glyphs(
    h: "-", v: "|", tl: "+", tr: "+", bl: "+", br: "+", chain: "*", own: "@", none: ".", arrow: "->",
    lock: "#", bar: "|", full: "#", empty: ".", branch: "`-", added: "+", removed: "-", changed: "~",
    running: ">", blocked: "B", deadlocked: "X", idle: ".", more: "v", dot: "|", openQuote: "\"",
    closeQuote: "\"", times: "x", up: "^")

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
