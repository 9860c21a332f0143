import AnonVMASim
import ScenePlayer
import TermRender

/// The narration pane: the step (or micro-step) and its label, one lane per CPU, the scene's
/// `say` paragraphs, presenter notes, the kernel functions the step ran, and a message.
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
  var message: String?
  var focused: Bool
  var theme: Theme

  func render(in r: Rect, into b: inout Buffer) {
    Block(title: presenter ? "narration · presenter" : "narration", focused: focused, theme: theme).render(
      in: r, into: &b)
    let inner = r.inset(1)
    LineList(lines: lines(width: inner.width, height: inner.height), theme: theme).render(in: inner, into: &b)
  }

  func lines(width: Int, height: Int) -> [Line] {
    let g = theme.glyphs
    var lines: [Line] = []
    if let micro {
      let e = micro.event
      lines.append(
        Line(segments: [
          ("\(step).\(micro.index + 1)/\(micro.count) ", theme.strong),
          ("cpu\(e.cpu) \(e.function): ", theme.function), (e.text, theme.text),
        ]))
      lines.append(Line("  in step \(step): \(info.label)  (\(g.up)/k back, esc leave)", theme.hint))
    } else {
      var segs: [(String, Style)] = [("\(step) \(info.label)", theme.strong)]
      if let c = info.chapter { segs.append(("  [\(c)]", theme.chapter)) }
      lines.append(Line(segments: segs))
    }
    // One lane per CPU: state, operation, current micro-step, locks held.
    for c in cpus {
      var text = "\(c.name) \(g.cpuState(c.state)) \(c.state.rawValue)"
      if let op = c.op { text += "  \(op)" }
      if let m = c.microStep { text += " \(g.dot) \(m)" }
      if let wait = c.waitingFor, c.state != .running { text += " \(g.dot) waits for \(World.avName(wait))" }
      if !c.holds.isEmpty { text += " \(g.dot) holds \(c.holds.map { World.avName($0) }.joined(separator: " "))" }
      let style: Style =
        c.state == .deadlocked ? theme.deadlocked : c.state == .blocked ? theme.blocked : theme.text
      lines.append(Line(text, style))
    }
    // Paragraphs beyond what the pane can show are counted, not wrapped (a step typed in
    // explore mode can carry thousands of them).
    var unshown = 0
    for s in info.say {
      guard lines.count <= height else {
        unshown += 1
        continue
      }
      for l in wrap("\(g.openQuote)\(s)\(g.closeQuote)", width) { lines.append(Line(l)) }
    }
    if presenter {
      for n in info.notes {
        guard lines.count <= height else {
          unshown += 1
          continue
        }
        for l in wrap("note: \(n)", width) { lines.append(Line(l, theme.note)) }
      }
      lines.append(Line("next: \(nextLabel ?? "(end of scene)")", theme.hint))
    }
    if micro == nil, !functions.isEmpty {
      for l in wrap("kernel: " + functions.joined(separator: " \(g.dot) "), width) {
        lines.append(Line(l, theme.hint))
      }
    }
    if unshown > 0 { lines.append(Line("(\(unshown) more paragraphs)", theme.hint)) }
    if let message {
      lines.insert(Line("! " + message, theme.error), at: min(1, lines.count))
    }
    return lines
  }
}
