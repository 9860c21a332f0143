import AnonVMASim
import SceneScript
import ScenePlayer
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
}

/// A line of a pane: styled segments, plus whether it is the selected object.
struct Line {
  var segments: [(String, Style)]
  var selected = false

  init(_ text: String, _ style: Style = .plain, selected: Bool = false) {
    segments = [(text, style)]
    self.selected = selected
  }

  init(segments: [(String, Style)], selected: Bool = false) {
    self.segments = segments
    self.selected = selected
  }
}

/// The minimum terminal size the full layout needs.
public let minimumSize = (width: 60, height: 16)

extension AppState {
  /// The objects the arrow keys select in a pane: VMA ids or anon_vma ids.
  public func selectable(_ pane: Pane) -> [Int] {
    switch pane {
    case .steps: return []
    case .vmas: return vmaOrder(world).compactMap { $0.vma }
    case .forest: return forestColumns(world)
    }
  }

  /// The frame at a size. Pure: the same state and size give the same buffer.
  ///
  /// With a comparison model, the two models are drawn one above the other, in lockstep.
  public func render(width: Int, height: Int) -> Buffer {
    guard layout.key == layoutKey else {
      // An input changed without the reducer: lay out for this frame only.
      var fresh = self
      fresh.refreshLayout()
      return fresh.render(width: width, height: height)
    }
    guard let other = compareTimeline, height >= 2 * minimumSize.height, width >= minimumSize.width else {
      return renderSingle(width: width, height: height)
    }
    var top = self
    top.compareTimeline = nil
    var bottom = AppState(timeline: other, fileName: fileName, options: options)
    bottom.go(to: min(step, other.stepCount))
    bottom.presenter = false
    bottom.treeLayout = treeLayout
    bottom.focus = .steps
    bottom.message = other.stepCount < step ? "this model stopped at step \(other.stepCount)" : nil
    let upper = top.renderSingle(width: width, height: height / 2)
    let lower = bottom.renderSingle(width: width, height: height - height / 2)
    var b = Buffer(width: width, height: height)
    for y in 0..<upper.height { for x in 0..<width { b[x, y] = upper[x, y] } }
    for y in 0..<lower.height { for x in 0..<width { b[x, upper.height + y] = lower[x, y] } }
    return b
  }

  func renderSingle(width: Int, height: Int) -> Buffer {
    var b = Buffer(width: width, height: height)
    let g = options.ascii ? Glyphs.ascii : Glyphs.unicode
    guard width >= minimumSize.width, height >= minimumSize.height else {
      let text =
        "terminal too small: need \(minimumSize.width)\(g.times)\(minimumSize.height) "
        + "(now \(width)\(g.times)\(height)); step \(step)/\(timeline.stepCount)"
      let lines = wrap(text, width)
      let top = max(0, (height - lines.count) / 2)
      for (i, l) in lines.enumerated() {
        b.put(l, x: max(0, (width - Buffer.width(l)) / 2), y: top + i)
      }
      return finish(b)
    }
    let statusY = height - 1
    let narrH = max(6, min(10, height / 4)) + (presenter ? 2 : 0)
    let narrTop = statusY - narrH
    let bodyH = narrTop - 1
    let leftW = min(48, max(30, width * 2 / 5))
    drawHeader(&b, g)
    drawVMAPane(&b, g, Rect(x: 0, y: 1, width: leftW, height: bodyH))
    drawForestPane(&b, g, Rect(x: leftW, y: 1, width: width - leftW, height: bodyH))
    drawNarration(&b, g, Rect(x: 0, y: narrTop, width: width, height: narrH))
    drawStatus(&b, g, y: statusY)
    switch overlay {
    case .help: drawHelp(&b, g)
    case .inspector: drawInspector(&b, g)
    case nil: break
    }
    return finish(b)
  }

  func finish(_ buffer: Buffer) -> Buffer {
    guard !options.colors else { return buffer }
    var b = buffer
    b.style(b.area) { $0 = $0.withoutColor }
    return b
  }

  // MARK: Frame parts

  func drawHeader(_ b: inout Buffer, _ g: Glyphs) {
    let style = Style(reverse: true)
    b.fill(Rect(x: 0, y: 0, width: b.width, height: 1), style: style)
    let n = timeline.stepCount
    let barW = 10
    let filled = n == 0 ? barW : step * barW / n
    let bar = String(repeating: g.full, count: filled) + String(repeating: g.empty, count: barW - filled)
    let right = "step \(step)/\(n) [\(bar)] "
    let rightX = b.width - Buffer.width(right)
    var left = " anonvis  \(timeline.title)  kernel \(timeline.kernel.displayName)"
    if !timeline.variants.isEmpty { left += " variant \(timeline.variants.map(\.rawValue).joined(separator: ","))" }
    if explore { left += "  [explore]" }
    if !fileName.isEmpty, Buffer.width(left) + Buffer.width(fileName) + 4 < rightX { left += "  (\(fileName))" }
    b.put(left, x: 0, y: 0, style: Style(bold: true, reverse: true), maxX: rightX - 1)
    b.put(right, x: rightX, y: 0, style: style)
  }

  func box(_ b: inout Buffer, _ g: Glyphs, _ r: Rect, title: String, focused: Bool) {
    guard r.width >= 2, r.height >= 2 else { return }
    let style = focused ? Style(fg: .cyan, bold: true) : Style(dim: false)
    for x in r.x..<r.maxX {
      b[x, r.y] = Cell(g.h, style)
      b[x, r.maxY - 1] = Cell(g.h, style)
    }
    for y in r.y..<r.maxY {
      b[r.x, y] = Cell(g.v, style)
      b[r.maxX - 1, y] = Cell(g.v, style)
    }
    b[r.x, r.y] = Cell(g.tl, style)
    b[r.maxX - 1, r.y] = Cell(g.tr, style)
    b[r.x, r.maxY - 1] = Cell(g.bl, style)
    b[r.maxX - 1, r.maxY - 1] = Cell(g.br, style)
    let t = focused ? " \(g.running) \(title) " : " \(title) "
    b.put(t, x: r.x + 2, y: r.y, style: style, maxX: r.maxX - 2)
  }

  /// Draws lines in a pane's inner area, scrolled so the selected line is visible; cut content is
  /// announced ("N more"), never silently dropped.
  func drawLines(_ b: inout Buffer, _ g: Glyphs, _ lines: [Line], in r: Rect) {
    guard r.width > 0, r.height > 0 else { return }
    let selectedIndex = lines.firstIndex { $0.selected } ?? 0
    var top = 0
    if lines.count > r.height {
      top = max(0, min(lines.count - r.height + 1, selectedIndex - r.height / 2))
    }
    var visible = r.height
    let cutAbove = top
    var cutBelow = lines.count - top - visible
    if cutBelow > 0 || cutAbove > 0 {
      visible = r.height - 1
      cutBelow = max(0, lines.count - top - visible)
    }
    for i in 0..<visible {
      let index = top + i
      guard index < lines.count else { break }
      let line = lines[index]
      var x = r.x
      for (text, style) in line.segments {
        var s = style
        if line.selected { s.reverse = true }
        x = b.put(text, x: x, y: r.y + i, style: s, maxX: r.maxX)
      }
      if line.selected, x < r.maxX {
        b.put(String(repeating: " ", count: r.maxX - x), x: x, y: r.y + i, style: Style(reverse: true), maxX: r.maxX)
      }
    }
    if cutAbove > 0 || cutBelow > 0 {
      var note = ""
      if cutAbove > 0 { note += "\(g.up) \(cutAbove) above " }
      if cutBelow > 0 { note += "\(g.more) \(cutBelow) more" }
      if options.ascii { note = note.replacingArrows }
      b.put(note, x: r.x, y: r.y + r.height - 1, style: Style(dim: true), maxX: r.maxX)
    }
  }

  // MARK: Processes and VMAs

  func vmaOrder(_ w: World) -> [VMARow] { currentLayout.rows }

  func lockedForest(_ w: World) -> Set<Int> {
    var covered = Set<Int>()
    for locked in w.lockHolders.keys {
      for a in w.aliveAnonVMAs where w.lockTarget(of: a) == locked { covered.insert(a) }
      covered.insert(locked)
    }
    return covered
  }

  func diffMark(_ g: Glyphs, vma id: Int, _ w: World) -> (String, Style) {
    guard let prev = previousWorld else { return (" ", .plain) }
    guard let old = prev.vmas[id] else { return (g.added, Style(fg: .green, bold: true)) }
    guard let new = w.vmas[id] else { return (g.removed, Style(fg: .red, bold: true)) }
    if old.start != new.start || old.end != new.end || old.prot != new.prot || old.anonVMA != new.anonVMA
      || prev.chainAnonVMAs(id) != w.chainAnonVMAs(id)
    {
      return (g.changed, Style(fg: .yellow, bold: true))
    }
    return (" ", .plain)
  }

  func drawVMAPane(_ b: inout Buffer, _ g: Glyphs, _ r: Rect) {
    box(&b, g, r, title: "processes & VMAs", focused: focus == .vmas)
    let w = world
    let covered = lockedForest(w)
    let selectedVMA = focus == .vmas ? selectable(.vmas).dropFirst(selection[.vmas] ?? 0).first : nil
    var lines: [Line] = []
    let allRows = vmaOrder(w)
    let selectedRow = selectedVMA.flatMap { id in allRows.firstIndex { $0.vma == id } } ?? 0
    let shown = window(count: allRows.count, selected: selectedRow, limit: max(4, r.height * 2))
    if shown.lowerBound > 0 { lines.append(Line("  … \(shown.lowerBound) rows above", Style(dim: true))) }
    for row in allRows[shown] {
      let indent = String(repeating: "  ", count: row.depth)
      if let f = row.folded {
        let prefix = row.depth == 0 ? "" : String(repeating: "  ", count: row.depth - 1) + g.branch
        lines.append(
          Line(segments: [
            ("  " + prefix + "\(g.times)\(f.count) more like the one above: \(f.first)..\(f.last)", Style(fg: .cyan, bold: true)),
            ("  (z unfolds)", Style(dim: true)),
          ]))
        continue
      }
      if let id = row.freedVMA, let v = previousWorld?.vmas[id] {
        lines.append(
          Line(segments: [
            (g.removed, Style(fg: .red, bold: true)),
            (" \(indent)  \(v.mapping)@\(v.firstPage) \(v.firstPage)..\(v.firstPage + v.pages - 1) (freed)", Style(dim: true)),
          ]))
        continue
      }
      guard let id = row.vma, let v = w.vmas[id] else {
        let p = w.processes[row.process]
        let prefix = row.depth == 0 ? "" : String(repeating: "  ", count: row.depth - 1) + g.branch
        var segs: [(String, Style)] = [("  " + prefix + p.name, Style(bold: p.alive, dim: !p.alive))]
        if !p.alive { segs.append((" (exited)", Style(dim: true))) }
        lines.append(Line(segments: segs))
        continue
      }
      let mark = diffMark(g, vma: id, w)
      let linked = w.chainAnonVMAs(id).contains { covered.contains($0) }
      let lockMark = linked ? (g.bar, Style(fg: .yellow, bold: true)) : (" ", Style.plain)
      let range = " \(v.firstPage)..\(v.firstPage + v.pages - 1)"
      let anon = v.anonVMA.map { "\(g.arrow)\(World.avName($0))" } ?? "-"
      let rest = " \(v.prot.rawValue) \(anon)" + (v.detached ? " (detached)" : "")
      var text = "\(indent)  \(v.mapping)@\(v.firstPage)\(range)\(rest)"
      // Too wide for the pane: the page range goes first, the anon_vma and "(detached)" stay.
      if Buffer.width(text) > r.width - 4 { text = "\(indent)  \(v.mapping)@\(v.firstPage)\(rest)" }
      lines.append(
        Line(
          segments: [mark, lockMark, (text, linked ? Style(fg: .yellow, bold: true) : .plain)],
          selected: selectedVMA == id))
    }
    if lines.isEmpty { lines.append(Line("  (no processes yet)", Style(dim: true))) }
    drawLines(&b, g, lines, in: r.inset(1))
  }

  // MARK: The anon_vma forest

  func forestColumns(_ w: World) -> [Int] { currentLayout.columns }

  func counters(_ a: AnonVMA, _ w: World) -> String {
    switch w.kernel {
    case .v2_6_34: return "ksm \(a.refcount)"
    case .v2_6_36: return "ext \(a.refcount)"
    case .v6: return "ref \(a.refcount) nc \(a.numChildren) act \(a.numActiveVMAs)"
    }
  }

  func drawForestPane(_ b: inout Buffer, _ g: Glyphs, _ r: Rect) {
    box(&b, g, r, title: treeLayout ? "anon_vma forest (tree)" : "anon_vma forest", focused: focus == .forest)
    let w = world
    let inner = r.inset(1)
    let columns = forestColumns(w)
    let covered = lockedForest(w)
    let selectedAV = focus == .forest ? columns.dropFirst(selection[.forest] ?? 0).first : nil
    var lines: [Line] = []
    if columns.isEmpty {
      lines.append(Line(" no anon_vma yet: the first write fault creates one", Style(dim: true)))
    } else if treeLayout {
      lines += treeLines(w, g, columns, covered, selectedAV)
    } else {
      lines += matrixLines(w, g, columns, covered, inner.width, selected: selectedAV, maxRows: inner.height / 2)
    }
    lines.append(Line(""))
    lines += detailLines(w, g, columns, covered, selectedAV, width: inner.width, limit: inner.height)
    drawLines(&b, g, lines, in: inner)
  }

  func matrixLines(
    _ w: World, _ g: Glyphs, _ columns: [Int], _ covered: Set<Int>, _ width: Int, selected: Int?,
    maxRows: Int
  ) -> [Line] {
    var lines: [Line] = []
    let rows = layout.orderedVMAs
    let shownRows = window(count: rows.count, selected: 0, limit: max(4, maxRows))
    let labelW = min(20, max(8, rows[shownRows].map { Buffer.width(w.vmaName($0)) }.max() ?? 8)) + 1
    let colW = max(4, columns.map { World.avName($0).count + 1 }.max() ?? 4)
    let fit = max(1, (width - labelW - 8) / colW)
    // Scroll the columns so the selected anon_vma is visible.
    let selectedColumn = selected.flatMap { columns.firstIndex(of: $0) } ?? 0
    let first = columns.count <= fit ? 0 : max(0, min(columns.count - fit, selectedColumn - fit / 2))
    let shown = Array(columns.dropFirst(first).prefix(fit))
    var header: [(String, Style)] = [(String(repeating: " ", count: labelW + 2), .plain)]
    if first > 0 { header[0] = (("\(first)← ").padding(labelW + 2), Style(dim: true)) }
    for a in shown {
      let freed = !(w.anonVMA(a)?.alive ?? false)
      let style = covered.contains(a) ? Style(fg: .yellow, bold: true) : Style(bold: true, dim: freed)
      header.append((World.avName(a).padding(colW), style))
    }
    let after = columns.count - first - shown.count
    if after > 0 { header.append(("+\(after)→", Style(dim: true))) }
    lines.append(Line(segments: header))
    for id in rows[shownRows] {
      let chain = w.chainAnonVMAs(id)
      let mark = diffMark(g, vma: id, w)
      let linked = chain.contains { covered.contains($0) }
      var segs: [(String, Style)] = [mark, (linked ? g.bar : " ", Style(fg: .yellow, bold: true))]
      segs.append((String(w.vmaName(id).prefix(labelW - 1)).padding(labelW), linked ? Style(fg: .yellow, bold: true) : .plain))
      for a in shown {
        let own = w.vmas[id]?.anonVMA == a
        let glyph = own ? g.own : chain.contains(a) ? g.chain : g.none
        let style = own ? Style(fg: .green, bold: true) : chain.contains(a) ? Style(bold: true) : Style(dim: true)
        segs.append((glyph.padding(colW), style))
      }
      lines.append(Line(segments: segs))
    }
    if shownRows.count < rows.count {
      lines.append(Line("  … \(rows.count - shownRows.count) more VMA rows: every VMA is on the anon_vma lines below", Style(dim: true)))
    }
    lines.append(Line("  \(g.own) vma->anon_vma  \(g.chain) chain  \(g.bar) locked", Style(dim: true)))
    return lines
  }

  func treeLines(_ w: World, _ g: Glyphs, _ columns: [Int], _ covered: Set<Int>, _ selected: Int?) -> [Line] {
    // The parent of an anon_vma is the next (older) one in the chain of a VMA that owns it.
    var parent: [Int: Int] = [:]
    for id in layout.orderedVMAs {
      let chain = w.chainAnonVMAs(id)
      for (i, a) in chain.enumerated() where i + 1 < chain.count && parent[a] == nil { parent[a] = chain[i + 1] }
    }
    var lines: [Line] = []
    func visit(_ a: Int, depth: Int) {
      let prefix = depth == 0 ? "" : String(repeating: "  ", count: depth - 1) + g.branch
      let vmas = w.anonVMA(a).map { w.listVMAs($0.id).map { w.vmaName($0) } } ?? []
      let style = covered.contains(a) ? Style(fg: .yellow, bold: true) : Style(bold: true)
      lines.append(
        Line(
          segments: [(" " + prefix + World.avName(a), style), ("  " + vmas.joined(separator: " "), .plain)],
          selected: selected == a))
      for c in columns where parent[c] == a && c != a { visit(c, depth: depth + 1) }
    }
    for a in columns where parent[a] == nil || !columns.contains(parent[a] ?? 0) { visit(a, depth: 0) }
    return lines
  }

  func detailLines(
    _ w: World, _ g: Glyphs, _ columns: [Int], _ covered: Set<Int>, _ selected: Int?, width: Int,
    limit: Int
  ) -> [Line] {
    var lines: [Line] = []
    let pagesByAnonVMA = layout.pagesByAnonVMA
    // Violations first: they are the lesson when they happen.
    for v in w.violations {
      for l in wrap("  ! \(v.code) at step \(v.step): \(v.message)", max(10, width)) {
        lines.append(Line(l, Style(fg: .red, bold: true)))
      }
    }
    let prev = previousWorld
    let shownAVs = window(count: columns.count, selected: selected.flatMap { columns.firstIndex(of: $0) } ?? 0, limit: max(4, limit))
    if shownAVs.lowerBound > 0 {
      lines.append(Line("  … \(shownAVs.lowerBound) anon_vmas above (tab to the forest, arrows to move)", Style(dim: true)))
    }
    for a in columns[shownAVs] {
      guard let av = w.anonVMA(a) else { continue }
      var segs: [(String, Style)] = []
      if !av.alive {
        segs.append((g.removed, Style(fg: .red, bold: true)))
        // Several freed in one step: their order is the lesson (newest to oldest, the root last).
        let order = w.freedThisStep.count > 1 ? (w.freedThisStep.firstIndex(of: a)).map { " \(ordinal($0 + 1))" } ?? "" : ""
        segs.append((" \(World.avName(a)) freed\(order) in this step", Style(dim: true)))
        lines.append(Line(segments: segs, selected: selected == a))
        continue
      }
      let old = prev?.anonVMA(a)
      if old == nil || old?.alive == false {
        segs.append((g.added, Style(fg: .green, bold: true)))
      } else if old != av {
        segs.append((g.changed, Style(fg: .yellow, bold: true)))
      } else {
        segs.append((" ", .plain))
      }
      let inLens = covered.contains(a)
      segs.append((inLens ? g.bar : " ", Style(fg: .yellow, bold: true)))
      var text = World.avName(a)
      if let root = av.root { text += root == a ? " root" : " \(g.arrow)\(World.avName(root))" }
      text += " " + counters(av, w)
      // Names up to about three lines (a root's list can hold thousands of VMAs).
      let budget = max(10, width - 2) * 3
      let listed = w.listVMAs(a)
      text += " [" + shortList(listed.lazy.map { w.vmaName($0) }, count: listed.count, budget: budget) + "]"
      let pagesHere = pagesByAnonVMA[a] ?? []
      if !pagesHere.isEmpty { text += " " + shortList(pagesHere.lazy.map { World.pageName($0) }, count: pagesHere.count, budget: budget) }
      let textStyle = inLens ? Style(fg: .yellow, bold: true) : Style.plain
      let wrapped = wrap(text, max(10, width - 2))
      segs.append((wrapped.first ?? text, textStyle))
      lines.append(Line(segments: segs, selected: selected == a))
      for more in wrapped.dropFirst() { lines.append(Line("     " + more, textStyle)) }
      for h in w.lockHolders[a] ?? [] {
        let mode = h.mode == .exclusive ? "" : " for \(h.mode.rawValue)"
        let text = "\(g.lock) LOCKED by cpu\(h.cpu)\(mode)\(lockCredit(h, w))"
        for (i, l) in wrap(text, max(10, width - 5)).enumerated() {
          lines.append(Line(segments: [(i == 0 ? "   " : "     ", .plain), (l, Style(fg: .red, bold: true, reverse: true))]))
        }
      }
      let waiters = w.cpus.filter { $0.waitingFor == a && ($0.state == .blocked || $0.state == .deadlocked) }
      if !waiters.isEmpty {
        let text = "   waiting: " + waiters.map { "\($0.name) \($0.state.rawValue) (\($0.op ?? ""))" }.joined(separator: ", ")
        lines.append(Line(text, Style(fg: .magenta, bold: true)))
      }
    }
    if shownAVs.upperBound < columns.count {
      lines.append(Line("  … \(columns.count - shownAVs.upperBound) more anon_vmas below", Style(dim: true)))
    }
    for node in w.stableNodes where node.alive {
      let items = node.items.map { "\(w.processes[$0.process].name)\(g.arrow)\(World.avName($0.anonVMA))" }
      for l in wrap("  K\(node.id) \(World.pageName(node.page)) rmap_items: \(items.joined(separator: " "))", max(10, width)) {
        lines.append(Line(l))
      }
    }
    // Only in the step that made it: later steps can move the page or free what it visited.
    if let walk = w.lastWalk, walk.step == w.step {
      var text = "  rmap walk in this step: \(World.pageName(walk.page)) from \(walk.origin)"
      if let l = walk.lock { text += " under \(World.avName(l))" }
      text += ": visited " + (walk.visited.isEmpty ? "none" : walk.visited.joined(separator: " "))
      if !walk.skipped.isEmpty { text += ", skipped " + walk.skipped.joined(separator: " ") }
      for l in wrap(text, max(10, width)) { lines.append(Line(l, Style(fg: .cyan))) }
    }
    return lines
  }

  /// `: OPERATION` that took a held lock and, when its CPU has moved on, what the CPU runs now.
  func lockCredit(_ h: World.LockHolder, _ w: World) -> String {
    guard let taken = h.op else { return "" }
    let now = w.cpus[h.cpu].op
    if now == taken { return ": \(taken)" }
    return ": \(taken); cpu\(h.cpu) now " + (now.map { "runs \($0)" } ?? "idle")
  }

  // MARK: Narration and status

  func drawNarration(_ b: inout Buffer, _ g: Glyphs, _ r: Rect) {
    box(&b, g, r, title: presenter ? "narration · presenter" : "narration", focused: focus == .steps)
    let inner = r.inset(1)
    let info = timeline.steps[step]
    var lines: [Line] = []
    if let micro, let microSteps = layout.microSteps, microSteps.step == step, micro < microSteps.states.count {
      let e = microSteps.states[micro].event
      lines.append(
        Line(segments: [
          ("\(step).\(micro + 1)/\(microSteps.states.count) ", Style(bold: true)),
          ("cpu\(e.cpu) \(e.function): ", Style(fg: .cyan, bold: true)), (e.text, .plain),
        ]))
      lines.append(Line("  in step \(step): \(info.label)  (\(g.up)/k back out)", Style(dim: true)))
    } else {
      var segs: [(String, Style)] = [("\(step) \(info.label)", Style(bold: true))]
      if let c = info.chapter { segs.append(("  [\(c)]", Style(fg: .magenta))) }
      lines.append(Line(segments: segs))
    }
    if timeline.cpuCount > 1 {
      // One lane per CPU: state, operation, current micro-step, locks held.
      let w = world
      for c in w.cpus {
        let glyph = c.state == .idle ? g.idle : c.state == .running ? g.running : c.state == .blocked ? g.blocked : g.deadlocked
        var text = "\(c.name) \(glyph) \(c.state.rawValue)"
        if let op = c.op { text += "  \(op)" }
        if let m = c.microStep { text += " \(g.dot) \(m)" }
        if let wait = c.waitingFor, c.state != .running { text += " \(g.dot) waits for \(World.avName(wait))" }
        if !c.holds.isEmpty { text += " \(g.dot) holds \(c.holds.map { World.avName($0) }.joined(separator: " "))" }
        let style: Style =
          c.state == .deadlocked ? Style(fg: .red, bold: true) : c.state == .blocked ? Style(fg: .magenta, bold: true) : .plain
        lines.append(Line(text, style))
      }
    }
    // Paragraphs beyond what the pane can show are counted, not wrapped (a step typed in
    // explore mode can carry thousands of them).
    var unshown = 0
    for s in info.say {
      guard lines.count <= inner.height else {
        unshown += 1
        continue
      }
      for l in wrap("\(g.openQuote)\(s)\(g.closeQuote)", inner.width) { lines.append(Line(l)) }
    }
    if presenter {
      for n in info.notes {
        guard lines.count <= inner.height else {
          unshown += 1
          continue
        }
        for l in wrap("note: \(n)", inner.width) { lines.append(Line(l, Style(fg: .yellow))) }
      }
      if step < timeline.stepCount {
        lines.append(Line("next: \(timeline.steps[step + 1].label)", Style(dim: true)))
      } else {
        lines.append(Line("next: (end of scene)", Style(dim: true)))
      }
    }
    if micro == nil {
      let functions = layout.functions
      if !functions.isEmpty {
        for l in wrap("kernel: " + functions.joined(separator: " \(g.dot) "), inner.width) {
          lines.append(Line(l, Style(dim: true)))
        }
      }
    }
    if unshown > 0 { lines.append(Line("(\(unshown) more paragraphs)", Style(dim: true))) }
    if let message {
      lines.insert(Line("! " + message, Style(fg: .red, bold: true)), at: min(1, lines.count))
    }
    drawLines(&b, g, lines, in: inner)
  }

  func drawStatus(_ b: inout Buffer, _ g: Glyphs, y: Int) {
    let w = world
    var right = ""
    for c in w.cpus {
      let glyph: String
      switch c.state {
      case .idle: glyph = g.idle
      case .running: glyph = g.running
      case .blocked: glyph = g.blocked
      case .deadlocked: glyph = g.deadlocked
      }
      right += "\(c.name)\(glyph)\(c.state == .idle ? "" : " " + (c.op?.split(separator: " ").first.map(String.init) ?? "")) "
    }
    let totals = layout.totals
    let withTotals = b.width >= 110 ? " \(totals) " : ""
    right = withTotals + " \(timeline.kernel.rawValue)  " + right + " step \(step)/\(timeline.stepCount) "
    let rightX = max(0, b.width - Buffer.width(right))
    switch prompt {
    case .jump(let t):
      b.put(" jump to step or chapter: \(t)_", x: 0, y: y, style: Style(bold: true), maxX: rightX)
    case .command(let t):
      b.put(" :\(t)_", x: 0, y: y, style: Style(bold: true), maxX: rightX)
    case .find(let t):
      b.put(" find: \(t)_", x: 0, y: y, style: Style(bold: true), maxX: rightX)
    case nil:
      let hints = options.ascii
        ? " <-/-> step  j/k micro  g jump  / find  ? help  q quit"
        : " ←/→ step  ↓↑ micro  g jump  / find  ? help  q quit"
      b.put(hints + (playing ? "  [playing]" : ""), x: 0, y: y, style: Style(dim: false), maxX: rightX - 1)
    }
    b.put(right, x: rightX, y: y, style: Style(bold: true))
  }

  // MARK: Overlays

  func overlayBox(_ b: inout Buffer, _ g: Glyphs, title: String, lines: [String]) {
    let w = min(b.width - 4, max(40, (lines.map { Buffer.width($0) }.max() ?? 0) + 4))
    let h = min(b.height - 2, lines.count + 2)
    let r = Rect(x: (b.width - w) / 2, y: (b.height - h) / 2, width: w, height: h)
    b.fill(r)
    box(&b, g, r, title: title, focused: true)
    drawLines(&b, g, lines.map { Line($0) }, in: r.inset(1))
  }

  func drawHelp(_ b: inout Buffer, _ g: Glyphs) {
    let keys = validKeys
    let width = keys.map { $0.0.count }.max() ?? 4
    overlayBox(&b, g, title: "keys valid now", lines: keys.map { " " + $0.0.padding(width + 2) + $0.1 })
  }

  func drawInspector(_ b: inout Buffer, _ g: Glyphs) {
    let w = world
    var lines: [String] = []
    var title = "inspector"
    let picked = selectable(focus).dropFirst(selection[focus] ?? 0).first
    if focus == .vmas, let id = picked, let v = w.vmas[id] {
      title = w.vmaName(id)
      lines = [
        "process      \(w.processes[v.process].name)",
        "mapping      \(v.mapping), pages \(v.firstPage)..\(v.firstPage + v.pages - 1) (\(v.pages))",
        "vm_start     page \(v.start)   vm_end page \(v.end)   vm_pgoff \(v.pgoff)",
        "prot         \(v.prot.rawValue)\(v.growsDown ? "  VM_GROWSDOWN" : "")",
        "anon_vma     \(v.anonVMA.map { World.avName($0) } ?? "NULL")",
        "chain        \(w.chainAnonVMAs(id).map { World.avName($0) }.joined(separator: " "))  (newest to oldest)",
        "created at   step \(v.createdAt) by \(timeline.steps[min(v.createdAt, timeline.stepCount)].label)",
      ]
    } else if focus == .forest, let a = picked, let av = w.anonVMA(a) {
      title = World.avName(a)
      lines = [
        "alive        \(av.alive ? "yes" : "no (freed in this step)")",
        "root         \(av.root.map { World.avName($0) } ?? "(2.6.34 has no root field)")",
        "counter      \(counters(av, w))",
        "same_anon_vma \(w.listVMAs(a).map { w.vmaName($0) }.joined(separator: " "))",
        "lock         \((w.lockHolders[a] ?? []).map { "held by cpu\($0.cpu)\(lockCredit($0, w))" }.joined(separator: ", ").nonEmpty ?? "free")",
        "created at   step \(av.createdAt) by \(av.createdBy) (\(timeline.steps[min(av.createdAt, timeline.stepCount)].label))",
      ]
    } else {
      lines = ["nothing selected"]
    }
    overlayBox(&b, g, title: title, lines: lines + ["", "enter or esc closes"])
  }
}

/// The part of `count` items to build around `selected` when only `limit` fit (large forests:
/// what is left out is announced by a line, never dropped silently).
func window(count: Int, selected: Int, limit: Int) -> Range<Int> {
  guard count > limit, limit > 0 else { return 0..<count }
  let start = max(0, min(count - limit, selected - limit / 2))
  return start..<(start + limit)
}

/// `1st`, `2nd`, `3rd`, `4th`, ... `11th`, `21st`.
func ordinal(_ n: Int) -> String {
  let suffix = (11...13).contains(n % 100) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th"
  return "\(n)\(suffix)"
}

/// Names joined by spaces until `budget` characters, then `…+N more`.
func shortList<S: Sequence<String>>(_ names: S, count: Int, budget: Int) -> String {
  var out = ""
  var shown = 0
  for name in names {
    if shown > 0 && out.utf8.count + name.utf8.count + 1 > budget {
      return out + " …+\(count - shown) more"
    }
    out += shown == 0 ? name : " " + name
    shown += 1
  }
  return out
}

/// Word-wraps text to a width.
func wrap(_ text: String, _ width: Int) -> [String] {
  guard width > 4 else { return [text] }
  if text.utf8.count <= width, Buffer.width(text) <= width { return [text] }
  // Words are found on the UTF-8 bytes (a space is one byte in UTF-8) and measured as bytes
  // when ASCII: an anon_vma's line lists hundreds of names, and splitting it into Characters
  // cost more than the rest of the frame. Linear in the text.
  let bytes = Array(text.utf8)
  let space = UInt8(ascii: " ")
  var indent = 0
  while indent < bytes.count && bytes[indent] == space { indent += 1 }
  var lines: [String] = []
  var line: [UInt8] = Array(bytes[0..<indent])
  var lineWidth = indent
  var start = indent
  while start <= bytes.count {
    var end = start
    var ascii = true
    while end < bytes.count && bytes[end] != space {
      if bytes[end] >= 0x80 { ascii = false }
      end += 1
    }
    let word = bytes[start..<end]
    let wordWidth = ascii ? word.count : Buffer.width(String(decoding: word, as: UTF8.self))
    if line.count == indent {
      line += word
      lineWidth += wordWidth
    } else if lineWidth + 1 + wordWidth > width {
      lines.append(String(decoding: line, as: UTF8.self))
      line = Array(bytes[0..<indent]) + word
      lineWidth = indent + wordWidth
    } else {
      line.append(space)
      line += word
      lineWidth += 1 + wordWidth
    }
    start = end + 1
  }
  lines.append(String(decoding: line, as: UTF8.self))
  return lines
}

extension String {
  func padding(_ width: Int) -> String {
    let w = Buffer.width(self)
    return w >= width ? self : self + String(repeating: " ", count: width - w)
  }

  var nonEmpty: String? { isEmpty ? nil : self }

  var replacingArrows: String {
    var s = ""
    for c in self { s += c == "↑" ? "^" : c == "↓" ? "v" : String(c) }
    return s
  }
}
