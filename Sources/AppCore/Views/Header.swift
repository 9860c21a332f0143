import AnonVMASim
import TermRender

/// The top line: the scene's title, kernel model and file, and the step with a progress bar.
struct Header: Widget {
  var title: String
  var kernel: KernelVersion
  var variants: [Variant]
  var explore: Bool
  /// The step a what-if branch started from (`:` in play), if the session is one.
  var branchedAt: Int? = nil
  var fileName: String
  var step: Int
  var stepCount: Int
  var theme: Theme

  func render(in area: Rect, into b: inout Buffer) {
    let style = theme.header
    b.fill(Rect(x: area.x, y: area.y, width: area.width, height: 1), style: style)
    let n = stepCount
    let barW = 10
    let filled = n == 0 ? barW : step * barW / n
    let bar =
      String(repeating: theme.glyphs.full, count: filled) + String(repeating: theme.glyphs.empty, count: barW - filled)
    let right = "step \(step)/\(n) [\(bar)] "
    let rightX = area.maxX - Buffer.width(right)
    // A what-if branch says so first: the title and model after it may not fit.
    var left = " anonvis  " + (branchedAt.map { "[what-if from step \($0)]  " } ?? "")
    left += "\(title)  kernel \(kernel.displayName)"
    if !variants.isEmpty { left += " variant \(variants.map(\.rawValue).joined(separator: ","))" }
    if explore, branchedAt == nil { left += "  [explore]" }
    if !fileName.isEmpty, Buffer.width(left) + Buffer.width(fileName) + 4 < rightX - area.x {
      left += "  (\(fileName))"
    }
    b.put(left, x: area.x, y: area.y, style: theme.headerTitle, maxX: rightX - 1)
    b.put(right, x: rightX, y: area.y, style: style)
  }
}
