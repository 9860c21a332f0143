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
    // The progress bar gives way below 100 columns: the title is the teaching text.
    let steps = "step \(step)/\(n) "
    var filled = 0
    var empty = 0
    if area.width >= 100 {
      let barW = 10
      filled = n == 0 ? barW : step * barW / n
      empty = barW - filled
    }
    let bar = filled + empty > 0 ? filled + empty + 3 : 0
    // The step counter keeps the room of its widest value (`step 13/13`), right-aligned: the
    // left part reads the same at every step (at 80×24 `(root rwsem)` went at step 10).
    let stepsRoom = max(Buffer.width(steps), Buffer.width("step \(n)/\(n) "))
    let rightX = area.maxX - stepsRoom - bar
    b.put(left(room: rightX - 1 - area.x), x: area.x, y: area.y, style: theme.headerTitle, maxX: rightX - 1)
    var x = b.put(steps, x: rightX + stepsRoom - Buffer.width(steps), y: area.y, style: style)
    guard bar > 0 else { return }
    // The bar is not reversed: in the reversed header a block is drawn in the background's
    // colour and its filled part reads as a gap.
    x = b.put("[", x: x, y: area.y, style: theme.progress)
    x = b.put(String(repeating: theme.glyphs.full, count: filled), x: x, y: area.y, style: theme.progress)
    x = b.put(String(repeating: theme.glyphs.empty, count: empty), x: x, y: area.y, style: theme.progress)
    b.put("] ", x: x, y: area.y, style: theme.progress)
  }

  /// The left part in `room` columns: ` anonvis  TITLE  kernel MODEL` and the file when there is
  /// room. When there is not, the file goes, then the program's name; the title is the teaching
  /// text, so before it is cut the model is named shorter (`kernel 2.6.36 (root lock)`, then
  /// `kernel 2.6.36`; a variant `variant mremap-uaf`, then `+mremap-uaf`), and only then is the title
  /// elided at a word boundary with `…`. The model stays: a comparison's halves are told apart
  /// by it.
  func left(room: Int) -> String {
    let explored = explore && branchedAt == nil ? "  [explore]" : ""
    let named = variants.isEmpty ? "" : " variant \(variants.map(\.rawValue).joined(separator: ","))"
    // The model's names, longest first.
    let models = [
      "kernel \(kernel.displayName)\(named)\(explored)", "kernel \(kernel.rawValue)\(named)\(explored)",
      "kernel " + ([kernel.rawValue] + variants.map(\.rawValue)).joined(separator: "+") + explored,
    ]
    // A what-if branch says so first: the title after it may be elided, the marker never.
    let branch = branchedAt.map { "[what-if from step \($0)]  " } ?? ""
    let full = " anonvis  \(branch)\(title)  \(models[0])"
    if !fileName.isEmpty, Buffer.width(full) + Buffer.width(fileName) + 4 < room + 1 { return full + "  (\(fileName))" }
    if Buffer.width(full) <= room { return full }
    let line = { (model: String) in " " + branch + title + "  " + model }
    if let model = models.first(where: { Buffer.width(line($0)) <= room }) { return line(model) }
    // The title does not fit whole beside any name: the shortest name, and the title elided, at
    // least 8 columns of it and its first word whole (elide() cuts at a word boundary).
    let ellipsis = theme.glyphs.ellipsis
    let tail = "  " + (models.last ?? "")
    let titleRoom = room - 1 - Buffer.width(tail) - Buffer.width(branch)
    let least = max(8, Buffer.width(String(title.prefix { $0 != " " }))) + Buffer.width(ellipsis)
    if titleRoom >= least { return " " + branch + elide(title, titleRoom, ellipsis: ellipsis) + tail }
    return elide(" \(branch)\(title)\(tail)", room, ellipsis: ellipsis)
  }
}
