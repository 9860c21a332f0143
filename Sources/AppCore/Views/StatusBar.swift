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
  var cpus: [CPU]
  /// Shown when the line is 110 columns or wider.
  var totals: String
  var kernel: KernelVersion
  var step: Int
  var stepCount: Int
  var theme: Theme

  func render(in area: Rect, into b: inout Buffer) {
    let y = area.y
    var right = ""
    for c in cpus {
      right +=
        "\(c.name)\(theme.glyphs.cpuState(c.state))\(c.state == .idle ? "" : " " + (c.op?.split(separator: " ").first.map(String.init) ?? "")) "
    }
    let withTotals = area.width >= 110 ? " \(totals) " : ""
    right = withTotals + " \(kernel.rawValue)  " + right + " step \(step)/\(stepCount) "
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
    case nil:
      let tail = playing ? "  [playing]" : ""
      let line = hints.fitting(rightX - 1 - area.x - Buffer.width(tail)) + tail
      b.put(line, x: area.x, y: y, style: theme.text, maxX: rightX - 1)
    }
    b.put(right, x: rightX, y: y, style: theme.status)
  }
}
