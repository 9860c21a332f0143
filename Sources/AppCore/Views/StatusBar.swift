import AnonVMASim
import TermRender

/// The bottom line: a prompt being typed or the key hints on the left; totals, the kernel model,
/// each CPU's state and the step on the right.
struct StatusBar: Widget {
  var prompt: Prompt?
  /// The key hints of the state (`Keymap.hintLine(for:ascii:)`), fitted to the room left of the
  /// right part.
  var hints: HintLine
  var playing: Bool
  /// The pace while playing: the play indicator on the right, shown at every width.
  var pace: String? = nil
  var cpus: [CPU]
  /// Shown when the line is 110 columns or wider.
  var totals: String
  var kernel: KernelVersion
  var step: Int
  var stepCount: Int
  /// The real kernel's verdict on the step (`play --conform`): `✓`, `✗2`, `–`.
  var kernelMark: String? = nil
  /// A frame no key reaches (``RenderOptions/still``): the right part only.
  var still = false
  var theme: Theme

  func render(in area: Rect, into b: inout Buffer) {
    let y = area.y
    let right = self.right(width: area.width)
    let rightX = area.x + max(0, area.width - Buffer.width(right))
    switch prompt {
    case .jump(let t):
      b.put(" jump to step or chapter: \(t)_", x: area.x, y: y, style: theme.prompt, maxX: rightX)
    case .command(let t):
      b.put(" :\(t)_", x: area.x, y: y, style: theme.prompt, maxX: rightX)
    case .find(let t):
      b.put(" find: \(t)_", x: area.x, y: y, style: theme.prompt, maxX: rightX)
    case .whatIf(let t):
      b.put(" what-if from step \(step) :\(t)_", x: area.x, y: y, style: theme.prompt, maxX: rightX)
    case nil where still:
      break
    case nil:
      // The hints that fit (Keymap drops the least needed first); if even those do not, they give
      // way whole, from the end, marked with `…`.
      let tail = playing ? "  [playing]" : ""
      let room = rightX - 1 - area.x
      let text = elide(
        hints.fitting(room - Buffer.width(tail)) + tail, room, ellipsis: theme.glyphs.ellipsis, separator: "  ")
      b.put(text, x: area.x, y: y, style: theme.text, maxX: rightX - 1)
    }
    b.put(right, x: rightX, y: y, style: theme.status)
  }

  /// The right part: totals (110 columns and wider), the model, each CPU's state and operation,
  /// the step, after the play indicator while playing. When it would take more than half the line, the operations go (the narration
  /// pane names them).
  func right(width: Int) -> String {
    let g = theme.glyphs
    let withTotals = width >= 110 ? " \(totals) " : ""
    var lanes = ""
    for c in cpus {
      lanes +=
        "\(c.name)\(g.cpuState(c.state))\(c.state == .idle ? "" : " " + (c.op?.split(separator: " ").first.map(String.init) ?? "")) "
    }
    // The play indicator comes first and always stays.
    let play = pace.map { " \(g.running) \($0) " } ?? ""
    let stepText = " step \(step)/\(stepCount)" + (kernelMark.map { " Linux \($0)" } ?? "") + " "
    let right = withTotals + " \(kernel.rawValue)  " + lanes + stepText
    guard Buffer.width(play + right) > width / 2 else { return play + right }
    return play + " \(kernel.rawValue)  " + cpus.map { "\($0.name)\(g.cpuState($0.state))" }.joined(separator: " ")
      + " " + stepText
  }
}
