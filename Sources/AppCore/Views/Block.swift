import TermRender

/// A box with a title on its top edge (ratatui's `Block`); a focused one is highlighted and marked.
struct Block: Widget {
  var title: String
  var focused: Bool
  var theme: Theme

  func render(in r: Rect, into b: inout Buffer) {
    let g = theme.glyphs
    guard r.width >= 2, r.height >= 2 else { return }
    let style = focused ? theme.focusedBorder : theme.border
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
    // A title longer than the edge is cut at a word, marked `…` (a comparison's other half
    // names whose account its narration is).
    let mark = focused ? " \(g.running) " : " "
    let room = r.width - 4 - Buffer.width(mark) - 1
    let text = elide(theme.plain(title), max(1, room), ellipsis: g.ellipsis)
    b.put(mark + text + " ", x: r.x + 2, y: r.y, style: style, maxX: r.maxX - 2)
  }
}

/// Lines in an area, scrolled so the selected line is visible; cut content is announced
/// ("N more"), never silently dropped.
struct LineList: Widget {
  var lines: [Line]
  var theme: Theme

  func render(in r: Rect, into b: inout Buffer) {
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
        b.put(String(repeating: " ", count: r.maxX - x), x: x, y: r.y + i, style: theme.selection, maxX: r.maxX)
      }
    }
    if cutAbove > 0 || cutBelow > 0 {
      var note = ""  // the glyphs are ASCII under --ascii
      if cutAbove > 0 { note += "\(theme.glyphs.up) \(cutAbove) above " }
      if cutBelow > 0 { note += "\(theme.glyphs.more) \(cutBelow) more" }
      b.put(note, x: r.x, y: r.y + r.height - 1, style: theme.hint, maxX: r.maxX)
    }
  }
}

/// A titled box centred in the area, over what is drawn there (the help and the inspector).
struct Popup: Widget {
  var title: String
  var lines: [String]
  var theme: Theme

  func render(in area: Rect, into b: inout Buffer) {
    let w = min(area.width - 4, max(40, (lines.map { Buffer.width(theme.plain($0)) }.max() ?? 0) + 4))
    let h = min(area.height - 2, lines.count + 2)
    let r = Rect(x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h)
    // A blank column each side of the border (inside the area): the frame's text under the popup
    // would otherwise run up to it (`│n at micro-step 20` beside the inspector). Not above or
    // below: at 80x24 the help reaches the title and status lines, which stay.
    let hx = max(area.x, r.x - 1)
    b.fill(Rect(x: hx, y: r.y, width: min(area.maxX, r.maxX + 1) - hx, height: r.height))
    Block(title: title, focused: true, theme: theme).render(in: r, into: &b)
    LineList(lines: lines.map { Line(theme.plain($0)) }, theme: theme).render(in: r.inset(1), into: &b)
  }
}
