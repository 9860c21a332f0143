import AnonVMASim
import ScenePlayer
import TermRender

/// The narration pane: the step (or micro-step) and its label, a message, the scene's `say`
/// paragraphs, presenter notes, then one lane per CPU and the kernel functions the step ran.
///
/// Teaching text is never cut: every line is word-wrapped, the pane grows for it (`height`), and
/// what still does not fit scrolls (PgDn/PgUp in the steps pane) under a `↓ N more (PgDn)` line.
/// The CPU lanes and kernel functions come last: they give way to the `say` text (the status
/// line shows the CPUs too).
struct NarrationPane: Widget {
  /// The step on screen.
  var step: Int
  var info: StepInfo
  /// The next step's label in presenter mode (nil: the end of the scene).
  var nextLabel: String?
  /// The micro-step on screen: its index, how many the step has, and what it did.
  var micro: (index: Int, count: Int, event: Event)?
  /// One lane per CPU (empty for a single CPU).
  var cpus: [CPU]
  var presenter: Bool
  /// The kernel functions the step ran.
  var functions: [String]
  var message: Notice?
  /// A notice that gives way to the step's text: drawn after the `say` lines and notes (the
  /// frame too small for a comparison, `Frame.swift`).
  var lateMessage: Notice? = nil
  /// The real kernel's verdict on the step and its disagreements (`play --conform`).
  var kernel: [(String, Style)] = []
  /// The questions put before the next step (`ask`), shown above the narration.
  var question: AskedQuestion?
  var focused: Bool
  var theme: Theme
  /// A frame no key reaches (``RenderOptions/still``): no keys named.
  var still = false
  /// Lines scrolled off the top (`AppState.narrationOffset`); clamped to the text here.
  var scroll = 0
  /// In place of the `say` text and the kernel functions: this model's own account of the step
  /// (a comparison's other half, whose scene text was written for another model).
  var account: Account? = nil
  /// Whether PgDn/PgUp need `tab` first (another pane has the keys); nil: when not focused (a
  /// comparison's other half, drawn unfocused, follows the first half's focus).
  var tabToScroll: Bool? = nil

  /// A model's own account of a step (`TextNarrator.account`): a heading (on the pane's title) that says so, its
  /// micro-steps with the ones the scene's model did not do marked, and what differs from that
  /// model object by object.
  struct Account: Sendable, Hashable {
    /// The model this is the account of, the one the scene's text is written for, and the one it
    /// is compared with.
    var model: String
    var written: String
    var comparedWith: String
    var events: [String]
    /// Indices of `events` the compared model's step has no equal of.
    var differing: Set<Int>
    /// The index of `events` on screen beside the compared model's micro-step (lockstep), marked.
    var current: Int? = nil
    /// The pane's title says whose account it is: `2.6.34's own account (the scene is written for
    /// 2.6.36)`, whole on a half of 160 columns.
    var heading: String { "\(model)'s own account (the scene is written for \(written))" }
    /// What differs after the step, object by object (`CompareDiff.differences`).
    var differences: [String]
  }

  /// The pane's text at a width: its lines, how many of the first ones teach (the step, a
  /// message, `say`, notes), and paragraphs left unwrapped (`limit`).
  struct Text {
    var lines: [Line]
    var teaching: Int
    var unwrapped = 0
  }

  /// The pane's height in a frame of `frameHeight` rows: at least a quarter of the frame (6 to
  /// 12 rows, 2 more for presenter notes), grown up to two fifths of it to hold the teaching
  /// lines (and the `↓ N more` line under them when the rest does not fit).
  static func height(for text: Text, frameHeight: Int, presenter: Bool) -> Int {
    let floor = Self.floor(frameHeight: frameHeight, presenter: presenter)
    let ceiling = Self.ceiling(frameHeight: frameHeight, presenter: presenter)
    let cut = text.lines.count > text.teaching || text.unwrapped > 0
    return min(ceiling, max(floor, text.teaching + 2 + (cut ? 1 : 0)))
  }

  /// The fewest and the most rows ``height(for:frameHeight:presenter:)`` gives in a frame this high.
  static func floor(frameHeight: Int, presenter: Bool) -> Int {
    max(6, min(12, frameHeight / 4)) + (presenter ? 2 : 0)
  }
  static func ceiling(frameHeight: Int, presenter: Bool) -> Int {
    max(floor(frameHeight: frameHeight, presenter: presenter), frameHeight * 2 / 5)
  }

  func render(in r: Rect, into b: inout Buffer) {
    render(text(width: r.width - 2), in: r, into: &b)
  }

  /// Draws `text` (from `text(width:)` at the pane's inner width) scrolled by `scroll`, with a
  /// last line naming what is above and below and the key that scrolls.
  func render(_ text: Text, in r: Rect, into b: inout Buffer) {
    // A comparison's other half says whose account it is on its border: its rows are few
    // (stacked at 120×40, 4 for 21 micro-steps of E3's last exit).
    var title = presenter ? "narration \(theme.glyphs.dot) presenter" : "narration"
    if let account { title += " \(theme.glyphs.dot) \(account.heading)" }
    Block(title: title, focused: focused, theme: theme).render(in: r, into: &b)
    let inner = r.inset(1)
    guard inner.width > 0, inner.height > 0 else { return }
    let lines = text.lines
    guard lines.count > inner.height || text.unwrapped > 0 else {
      LineList(lines: lines, theme: theme).render(in: inner, into: &b)
      return
    }
    let rows = inner.height - 1
    let top = max(0, min(scroll, lines.count - rows))
    let shown = Array(lines[top..<min(lines.count, top + rows)])
    LineList(lines: shown, theme: theme).render(
      in: Rect(x: inner.x, y: inner.y, width: inner.width, height: rows), into: &b)
    b.put(
      scrollHint(above: top, below: lines.count - top - shown.count, unwrapped: text.unwrapped), x: inner.x,
      y: inner.maxY - 1, style: theme.hint, maxX: inner.maxX)
  }

  /// `↑ 2 above  ↓ 4 more (PgUp/PgDn)`: what is cut, and the keys that show it (the steps pane
  /// takes them: `tab` first when another pane has the focus).
  func scrollHint(above: Int, below: Int, unwrapped: Int) -> String {
    let g = theme.glyphs
    var parts: [String] = []
    if above > 0 { parts.append("\(g.up) \(above) above") }
    if below > 0 { parts.append("\(g.more) \(below) more") }
    if unwrapped > 0 { parts.append("\(unwrapped) more paragraphs") }
    let keys = below > 0 || unwrapped > 0 ? (above > 0 ? "PgUp/PgDn" : "PgDn") : "PgUp"
    guard !still else { return parts.joined(separator: "  ") }
    return parts.joined(separator: "  ") + " (\(tabToScroll ?? !focused ? "tab, " : "")\(keys))"
  }

  /// The text at `width` columns. Paragraphs more than `limit` lines past the scroll offset are
  /// counted, not wrapped (a step typed in explore mode can carry thousands of them).
  func text(width: Int, limit: Int = 1000) -> Text {
    let g = theme.glyphs
    let limit = scroll + limit
    var lines: [Line] = []
    if let micro {
      let e = micro.event
      lines += wrapped(
        [
          ("\(step).\(micro.index + 1)/\(micro.count) ", theme.strong),
          ("cpu\(e.cpu) \(e.function): ", theme.function), (e.text, theme.text),
        ], width)
      // ↑/k step back only while this pane has the focus (else they select, as the status says).
      let keys = focused ? "\(g.up)/k back, esc leave" : "esc leave"
      lines += wrapped([("  in step \(step): \(info.label)" + (still ? "" : "  (\(keys))"), theme.hint)], width)
    } else {
      var segs: [(String, Style)] = [("\(step) \(info.label)", theme.strong)]
      if let c = info.chapter { segs.append(("  [\(c)]", theme.chapter)) }
      lines += wrapped(segs, width)
    }
    if let message {
      let (glyph, style) = theme.notice(message.kind)
      lines += wrapped([(glyph + " " + message.text, style)], width)
    }
    for k in kernel { lines += wrapped([k], width) }
    if let question { lines += question.lines(width: width, theme: theme) }
    var unwrapped = 0
    if let account { lines += accountLines(account, width: width).teaching }
    for s in account == nil ? info.say : [] {
      guard lines.count <= limit else {
        unwrapped += 1
        continue
      }
      for l in wrapped("\(g.openQuote)\(s)\(g.closeQuote)", width) { lines.append(Line(l)) }
    }
    if presenter {
      for n in info.notes {
        guard lines.count <= limit else {
          unwrapped += 1
          continue
        }
        for l in wrapped("note: \(n)", width) { lines.append(Line(l, theme.note)) }
      }
      lines += wrapped([("next: \(nextLabel ?? "(end of scene)")", theme.hint)], width)
    }
    if let lateMessage {
      let (glyph, style) = theme.notice(lateMessage.kind)
      lines += wrapped([(glyph + " " + lateMessage.text, style)], width)
    }
    let teaching = lines.count
    // A model's micro-steps give way to the teaching text, as the kernel functions do.
    if let account { lines += accountLines(account, width: width).events }
    lines += cpus.flatMap { wrapped([lane($0)], width) }
    if micro == nil, account == nil, !functions.isEmpty {
      // A function with a note (`rmap_walk (anon_vma NULL: no walk)`) moves to the next line whole.
      for l in wrapped("kernel: " + functions.map(unbreakable).joined(separator: " \(g.dot) "), width) {
        lines.append(Line(l, theme.hint))
      }
    }
    return Text(lines: lines, teaching: teaching, unwrapped: unwrapped)
  }

  /// Another model's account (`Account`): what differs after the step (teaching
  /// text), and its micro-steps; each line that differs marked `≠`.
  func accountLines(_ account: Account, width: Int) -> (teaching: [Line], events: [Line]) {
    let g = theme.glyphs
    let markWidth = Buffer.width(g.differs) + 1
    func marked(_ text: String, differs: Bool, style: Style) -> [Line] {
      wrapped(text, max(10, width - markWidth)).enumerated().map { j, l in
        let mark = j == 0 && differs ? g.differs + " " : "".padding(markWidth)
        return Line(segments: [(mark, j == 0 && differs ? theme.differs : theme.text), (l, style)])
      }
    }
    var lines: [Line] = []
    if !account.differences.isEmpty {
      lines += wrapped([("after the step, unlike on \(account.comparedWith):", theme.strong)], width)
      for d in account.differences { lines += marked(d, differs: true, style: theme.text) }
    }
    var events: [Line] = []
    if !account.events.isEmpty {
      events += wrapped([("its micro-steps (\(g.differs): not so on \(account.comparedWith)):", theme.strong)], width)
      // Inside a micro-step (lockstep): the micro-steps around the one beside this model's, so
      // the marked line is in view whatever the pane's height.
      var shown = account.events.indices
      if let current = account.current {
        shown = max(0, current - 2)..<min(account.events.count, current + 3)
        if shown.lowerBound > 0 {
          events += wrapped([("  \(g.ellipsis) \(shown.lowerBound) before", theme.hint)], width)
        }
      }
      for i in shown {
        let differs = account.differing.contains(i)
        let style = i == account.current ? theme.strong : differs ? theme.differs : theme.text
        events += marked(
          (i == account.current ? "\(g.arrow) " : "") + account.events[i], differs: differs, style: style)
      }
      if shown.upperBound < account.events.count {
        events += wrapped([("  \(g.ellipsis) \(account.events.count - shown.upperBound) after", theme.hint)], width)
      }
    }
    return (lines, events)
  }

  /// Wrapped as `wrap` does, after `Theme.plain` (ASCII under `--ascii`: the model's event text
  /// and the scene's have arrows and quotes).
  func wrapped(_ segments: [(String, Style)], _ width: Int) -> [Line] {
    wrap(segments.map { (theme.plain($0.0), $0.1) }, width)
  }

  func wrapped(_ text: String, _ width: Int) -> [String] { wrap(theme.plain(text), width) }

  /// A CPU's lane: state, operation, current micro-step, the lock it waits for, the locks held.
  func lane(_ c: CPU) -> (String, Style) {
    let g = theme.glyphs
    var text = "\(c.name) \(g.cpuState(c.state)) \(c.state.rawValue)"
    if let op = c.op { text += "  \(op)" }
    if let m = c.microStep { text += " \(g.dot) \(m)" }
    if let wait = c.waitingFor, c.state != .running { text += " \(g.dot) waits for \(World.avName(wait))" }
    if !c.holds.isEmpty { text += " \(g.dot) holds \(c.holds.map { World.avName($0) }.joined(separator: " "))" }
    let style: Style = c.state == .deadlocked ? theme.deadlocked : c.state == .blocked ? theme.blocked : theme.text
    return (text, style)
  }
}
