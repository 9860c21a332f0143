import AnonVMASim
import TermRender

extension ForestDiagram {
  /// The diagram's named styles. Meaning never rests on colour alone: the root has a heavy
  /// box, `root` in its title and a double arrow; a lock's reach is heavy and marked `▌`; a
  /// change has its glyph.
  public struct Styles: Sendable {
    public var process = Style(bold: true)
    public var processGone = Style(dim: true)
    public var vma = Style.plain
    public var chain = Style(dim: true)
    public var anonVMABox = Style(fg: .cyan)
    public var anonVMATitle = Style(fg: .cyan, bold: true)
    public var rootBox = Style(fg: .cyan, bold: true)
    public var lockReach = Style(fg: .yellow, bold: true)
    /// A held lock's outline (`░`).
    public var lockShade = Style(fg: .yellow)
    public var vmaPointer = Style(fg: .green)
    public var rootPointer = Style(fg: .magenta)
    public var fork = Style(dim: true)
    public var parentPointer = Style(fg: .blue)
    public var fold = Style(fg: .cyan, bold: true)
    public var ksm = Style(fg: .blue)
    public var walk = Style(fg: .cyan, bold: true, reverse: true)
    /// `rmap skipped`: a VMA on the walked chain the page's address falls outside. Secondary
    /// (grey 243 with 256 colours, faint with 8/16 or none) and underlined, never red: a removed
    /// object is red and bold, and with 256 colours dim is not faint, so red dim read as removed.
    /// The word `skipped` carries it without colour.
    public var walkSkipped = Style(dim: true, underline: true)
    public var added = Style(fg: .green, bold: true)
    public var changed = Style(fg: .yellow, bold: true)
    public var removed = Style(fg: .red, bold: true)
    /// The selected object (`◆`), what it points to or is pointed to by (`◇`), the selected
    /// VMA's chain connectors, and an emphasized object (`≠`: in compare, differs).
    public var selected = Style(bold: true, reverse: true)
    public var related = Style(bold: true, underline: true)
    public var chainConnector = Style(fg: .yellow, bold: true)
    public var emphasized = Style(fg: .magenta, bold: true)
    /// A page still pointing at a freed anon_vma (heavy arrow, `pg1→AV1 freed`) and the step's
    /// violations (`!C12`): never colour alone.
    public var danger = Style(fg: .red, bold: true)
    public var violation = Style(fg: .red, bold: true, reverse: true)
    public init() {}
  }

  /// Text with its Unicode signs spelled in ASCII (`…` `...`, `→` `->`, `×` `x`), for `--ascii`.
  static func asciiText(_ text: String) -> String {
    guard !text.utf8.allSatisfy({ $0 < 0x80 }) else { return text }
    var result = ""
    for c in text {
      switch c {
      case "…": result += "..."
      case "→": result += "->"
      case "×": result += "x"
      case "−": result += "-"
      case "↓": result += "v"
      case "↑": result += "^"
      case "✓": continue  // `rmap #1 maps`: the word says it
      default: result.append(c)
      }
    }
    return result
  }

  /// The glyph and style that mark a change.
  func mark(_ change: Change, _ s: Styles) -> (String, Style)? {
    switch change {
    case .same: nil
    case .added: ("+", s.added)
    case .changed: ("~", s.changed)
    case .removed: (ascii ? "-" : "−", s.removed)
    }
  }

  /// An arrow's net (the lines that join), stroke and style by its kind.
  func line(_ arrow: Arrow, _ i: Int, _ s: Styles) -> (Int, LineCanvas.Stroke, Style) {
    switch arrow.kind {
    case .vmaAnonVMA(_, let a): (300_000 + a.raw, .light, s.vmaPointer)
    case .root(_, let root): (400_000 + root.raw, .double, s.rootPointer)
    case .fork: (500_000 + i, .light, s.fork)
    case .parent(_, let parent): (600_000 + parent.raw, .dashed, s.parentPointer)
    case .danglingMapping(_, let a): (900_000 + a.raw, .heavy, s.danger)
    case .ksm(_, _, let a): (1_000_000 + a.raw, .light, s.ksm)
    }
  }

  /// Draws the window of the diagram that starts at row `scroll` into `area`: only the boxes
  /// and arrows that reach into the window are drawn.
  public func draw(into buffer: inout Buffer, in area: Rect, scroll: Int = 0, styles s: Styles = Styles()) {
    guard area.width > 0, area.height > 0 else { return }
    // Canvas coordinates are the window's: diagram row r is canvas row r - scroll.
    var canvas = LineCanvas(width: min(width, area.width), height: area.height)
    let window = scroll..<(scroll + area.height)
    func visible(_ r: Rect) -> Bool { r.y < window.upperBound && r.maxY > window.lowerBound }
    func shifted(_ r: Rect) -> Rect { Rect(x: r.x, y: r.y - scroll, width: r.width, height: r.height) }
    for (i, box) in processes.enumerated() where visible(box.rect) {
      canvas.box(
        shifted(box.rect), stroke: .light, net: i, style: box.change == .removed ? s.processGone : .plain)
    }
    for (i, box) in anonVMAs.enumerated() where visible(box.rect) {
      let stroke: LineCanvas.Stroke = box.isRoot || box.locked ? .heavy : .light
      // A freed anon_vma a page still points at: in the danger style, whatever it was.
      let dangling = box.change == .removed && box.lines.count > 2
      let style =
        box.locked
        ? s.lockReach
        : dangling ? s.danger : box.isRoot ? s.rootBox : box.change == .removed ? s.processGone : s.anonVMABox
      canvas.box(shifted(box.rect), stroke: stroke, net: 100_000 + i, style: style)
    }
    for (i, box) in stableNodes.enumerated() where visible(box.rect) {
      canvas.box(
        shifted(box.rect), stroke: .dashed, net: 200_000 + i, style: box.change == .removed ? s.processGone : s.ksm)
    }
    for (i, fold) in (processFolds + anonVMAFolds).enumerated() where visible(fold.rect) {
      canvas.box(shifted(fold.rect), stroke: .dashed, net: 700_000 + i, style: s.fold)
    }
    var heads: [(x: Int, y: Int, glyph: String, style: Style)] = []
    // The selected VMA's chain connectors include its own anon_vma: its pointer is drawn as one.
    let chainOf: VMAID? =
      chainConnectors.isEmpty ? nil : { if case .vma(let v) = options.selection { v } else { nil } }()
    for i in 0..<(arrows.count + chainConnectors.count) {
      let arrow = i < arrows.count ? arrows[i] : chainConnectors[i - arrows.count]
      if i < arrows.count, let v = chainOf, case .vmaAnonVMA(v, _) = arrow.kind { continue }
      guard let top = arrow.ys.min(), let bottom = arrow.ys.max(), top < window.upperBound, bottom >= window.lowerBound
      else { continue }
      let (net, stroke, style) = i < arrows.count ? line(arrow, i, s) : (800_000, .light, s.chainConnector)
      var xs = arrow.xs
      var ys = arrow.ys.map { $0 - scroll }
      guard xs.count > 1 else { continue }
      // The tail sits on a box's side: the side shows the junction, the line starts next to it
      // (drawing over the side would make it a crossing of two nets).
      let dx = (xs[1] - xs[0]).signum()
      let dy = (ys[1] - ys[0]).signum()
      canvas.join(x: xs[0], y: ys[0], toward: dx > 0 ? .right : dx < 0 ? .left : dy > 0 ? .down : .up)
      xs[0] += dx
      ys[0] += dy
      for k in 0..<(xs.count - 1) {
        if ys[k] == ys[k + 1] {
          canvas.horizontal(y: ys[k], from: xs[k], to: xs[k + 1], stroke: stroke, net: net, style: style)
        } else {
          canvas.vertical(x: xs[k], from: ys[k], to: ys[k + 1], stroke: stroke, net: net, style: style)
        }
      }
      let n = xs.count - 1
      let glyph: String
      if ys[n - 1] == ys[n] {
        glyph = xs[n] > xs[n - 1] ? (ascii ? ">" : "►") : (ascii ? "<" : "◄")
      } else {
        glyph = ys[n] > ys[n - 1] ? (ascii ? "v" : "▼") : (ascii ? "^" : "▲")
      }
      heads.append((xs[n], ys[n], glyph, style))
      if i >= arrows.count {
        let position = i - arrows.count + 1
        heads.append((xs[n] - 1, ys[n], position < 10 ? "\(position)" : "·", style))
      }
    }
    // Lines and boxes, then labels, then arrowheads, shifted into the area.
    canvas.draw(into: &buffer, at: (area.x, area.y), clip: area, ascii: ascii)
    func put(_ text: String, _ x: Int, _ y: Int, _ style: Style, maxX: Int) {
      let by = area.y + y - scroll
      guard window.contains(y), by >= area.y, by < area.maxY else { return }
      buffer.put(
        ascii ? Self.asciiText(text) : text, x: area.x + x, y: by, style: style, maxX: min(area.maxX, area.x + maxX))
    }
    let lockBar = ascii ? "|" : "▌"
    for box in processes where visible(box.rect) {
      let gone = box.change == .removed
      // The change mark on the border before the title: the title stays where it is.
      let x = box.rect.x + 2
      if let (glyph, style) = mark(box.change, s) {
        put(glyph, box.rect.x + 1, box.rect.y, style, maxX: box.rect.maxX - 1)
      }
      put(
        titles[box.process] ?? "", x, box.rect.y,
        highlight(.process(box.process), s, else: gone ? s.processGone : s.process), maxX: box.rect.maxX - 3)
      // Labels end before the last inner column (the emphasis mark's); a cut one ends in `…`.
      let limit = box.rect.maxX - 3
      for (i, v) in box.vmas.enumerated() {
        let y = box.row(at: i)
        let locked = lockedVMAs.contains(v)
        if locked { put(lockBar, box.rect.x + 1, y, s.lockReach, maxX: box.rect.maxX - 1) }
        // The row's change mark on the box's left border (a selection mark, drawn later, wins).
        let change = vmaChanges[v] ?? .same
        if let (glyph, style) = mark(change, s) { put(glyph, box.rect.x, y, style, maxX: box.rect.x + 1) }
        guard let label = vmaLabels[v] else { continue }
        let style = highlight(
          .vma(v), s, else: gone || change == .removed ? s.processGone : locked ? s.lockReach : s.vma)
        put(label.text, box.rect.x + 2, y, style, maxX: limit)
        var after = box.rect.x + 2 + Self.textWidth(label.text)
        if let pointer = label.pointer {
          put((ascii ? "->" : "→") + pointer, after + 2, y, s.vmaPointer, maxX: limit)
          after += 2 + 2 + pointer.utf8.count
        }
        // The walk's note before the chain: a label cut to fit (80 columns) keeps what the walk
        // found there and loses the chain's tail. A note with no room is written shorter
        // (`#2 ✓unmapped`, `#2 ✓`), never cut mid-word.
        if let note = label.walk {
          // Room for ` …` after it where the chain or the danger note then has none.
          let chainRoom = label.chain.isEmpty ? 0 : 2 + Self.textWidth("chain \(label.chainLength)")
          let following = chainRoom + (label.danger == nil ? 0 : 2 + label.dangerWidth)
          let room = limit - after - 2
          let reserve = following == 0 || label.walkWidth + following <= room ? 0 : 2
          // The step's violation mark (`!C12`) has priority over the walk's detail: the first
          // form that leaves it room, else the first that fits (the mark then cut by words).
          let forms = [note] + Self.shorterWalkNotes(note)
          let dangerNeed = 2 + label.dangerWidth + (chainRoom == 0 ? 0 : ascii ? 3 : 2)
          let form =
            forms.first { label.danger != nil && Self.textWidth($0) + dangerNeed <= room }
            ?? forms.first { Self.textWidth($0) + reserve <= room }
          if let form {
            put(form, after + 2, y, note.hasSuffix("skipped") ? s.walkSkipped : s.walk, maxX: limit)
            after += 2 + Self.textWidth(form)
          } else {
            after = limit + 1
          }
        }
        // A chain with no room to end is written as its length (`chain 3`, as a compact fit
        // writes it), or left out where even that has none (the row then ends in `…`): never
        // cut mid-name or before its tail, the root.
        var chainLeftOut = false
        if !label.chain.isEmpty {
          let danger = label.danger == nil ? 0 : 2 + label.dangerWidth
          var chain = label.chain
          if after + 2 + Self.textWidth(chain) + danger > limit { chain = "chain \(label.chainLength)" }
          if after + 2 + Self.textWidth(chain) + danger > limit {
            chainLeftOut = true
          } else {
            put(chain, after + 2, y, s.chain, maxX: limit)
            after += 2 + Self.textWidth(chain)
          }
        }
        let ellipsis = ascii ? ".." : "…"
        if let note = label.danger {
          let room = limit - after - 2
          if label.dangerWidth <= room {
            put(note, after + 2, y, s.danger, maxX: limit)
            after += 2 + label.dangerWidth
          } else {
            // Its first words that fit with ` …` after them, never a word cut.
            var words = note.split(separator: " ")
            while !words.isEmpty, Self.textWidth(words.joined(separator: " ")) + 1 + Self.textWidth(ellipsis) > room {
              words.removeLast()
            }
            if !words.isEmpty {
              let text = words.joined(separator: " ")
              put(text, after + 2, y, s.danger, maxX: limit)
              after += 2 + Self.textWidth(text)
            }
            chainLeftOut = true
          }
        }
        if after > limit {
          put(ellipsis, limit - Self.textWidth(ellipsis), y, style, maxX: limit)
        } else if chainLeftOut {
          put(ellipsis, min(after + 2, limit - Self.textWidth(ellipsis)), y, style, maxX: limit)
        }
        // Its PTEs on the row under it, when that row is the box's and no other VMA's.
        if let ptes = pteRows[v], box.rows[i] + 1 < box.rect.height - 2,
          i + 1 == box.rows.count || box.rows[i + 1] > box.rows[i] + 1
        {
          let row = Self.pteRow(ptes, room: limit - box.rect.x - 4)
          put(row, box.rect.x + 4, y + 1, gone ? s.processGone : s.chain, maxX: limit)
        }
      }
    }
    for box in anonVMAs where visible(box.rect) {
      let x = box.rect.x + 2
      if let (glyph, style) = mark(box.change, s) {
        put(glyph, box.rect.x + 1, box.rect.y, style, maxX: box.rect.maxX - 1)
      }
      put(
        box.title, x, box.rect.y,
        highlight(.anonVMA(box.anonVMA), s, else: box.locked ? s.lockReach : s.anonVMATitle), maxX: box.rect.maxX - 3)
      if let codes = violationMarks[.anonVMA(box.anonVMA)] {
        let title = Self.textWidth(box.title)
        let text = Self.violationText(codes)
        put(text, x + title, box.rect.y, s.violation, maxX: box.rect.maxX - 3)
        put(" ", x + title + Self.textWidth(text), box.rect.y, .plain, maxX: box.rect.maxX - 3)
      }
      if let label = box.lockLabel { put(label, labelX, box.rect.y, s.lockReach, maxX: width) }
      if let label = box.walkLabel {
        put(" \(label) ", box.rect.x + 2, box.rect.y + box.rect.height - 1, s.walk, maxX: box.rect.maxX - 2)
      }
      for (k, line) in box.lines.enumerated() {
        if box.locked { put(lockBar, box.rect.x + 1, box.rect.y + 1 + k, s.lockReach, maxX: box.rect.maxX - 1) }
        // A freed anon_vma's pages: still pointing at it.
        let style = box.change != .removed ? Style.plain : k == 2 ? s.danger : s.processGone
        put(line, box.rect.x + 2, box.rect.y + 1 + k, style, maxX: box.rect.maxX - 1)
        if Self.textWidth(line) > box.rect.width - 3 {
          put(ascii ? ".." : "…", box.rect.maxX - (ascii ? 3 : 2), box.rect.y + 1 + k, style, maxX: box.rect.maxX - 1)
        }
      }
    }
    for fold in processFolds + anonVMAFolds where visible(fold.rect) {
      put(fold.text, fold.rect.x + 2, fold.rect.y + 1, s.fold, maxX: fold.rect.maxX - 1)
    }
    for box in stableNodes where visible(box.rect) {
      if let (glyph, style) = mark(box.change, s) {
        put(glyph, box.rect.x + 1, box.rect.y, style, maxX: box.rect.maxX - 1)
      }
      put(
        box.title, box.rect.x + 2, box.rect.y, box.change == .removed ? s.processGone : s.ksm, maxX: box.rect.maxX - 1)
      for (k, line) in box.lines.enumerated() {
        put(line, box.rect.x + 2, box.rect.y + 1 + k, .plain, maxX: box.rect.maxX - 1)
      }
    }
    drawLockOutlines(into: &buffer, in: area, scroll: scroll, arrowheads: heads.map { ($0.x, $0.y + scroll) }, s)
    drawMarks({ put($0, $1, $2, $3, maxX: $4) }, s)
    for head in heads { put(head.glyph, head.x, head.y + scroll, head.style, maxX: head.x + 1) }
  }
}
