import AnonVMASim
extension ForestDiagram {
  /// How the diagram narrows itself to fit a width (``Options/maxWidth``), each measure taken
  /// only when the ones before it were not enough (``levels(from:maxLanes:excess:)``): fewer lanes of
  /// `vma->anon_vma` arrows (a pointer that finds none is written `→AV7` on its row), a VMA's
  /// chain written as its length (`chain 3`; the selected VMA's chain is drawn as connectors),
  /// an anon_vma's `list` and `pages` lines cut to the box (`list P1:A@0 …+2`), and the lock and
  /// walk labels left out beside the boxes (the pane's lock line and the outline name the
  /// holders, the VMA rows say `rmap #N`).
  public struct Fit: Sendable, Hashable {
    /// At most this many lanes of `vma->anon_vma` arrows.
    public var lanes: Int
    /// A VMA's chain written `chain N` (its length) rather than `chain AV3 AV2 AV1`.
    public var compactChains = false
    /// The anon_vma boxes' inner width the `list` and `pages` lines are cut to (nil: uncut).
    public var anonVMAInner: Int?
    /// Lock and walk labels written beside the anon_vma boxes.
    public var labelsBeside = true
    /// The columns a VMA row's label may take (nil: all it needs): a longer one is cut, ending
    /// in `…`, where nothing else makes the diagram fit (80 columns, long chains and notes).
    public var vmaLabelWidth: Int?
    /// Generations indented (nil: ``ForestDiagram/maxIndented``); a deeper child's box stands
    /// in the last indented column and its title names its parent (a deep fork chain at 80
    /// columns).
    public var indentLimit: Int?

    /// The inner widths an anon_vma box is cut to, in turn: a list line's three entries
    /// (`list P1:A@0 P2:A@0 P3:A@0 …+1`), two, and the least that still names one
    /// (`list P1:A@0 …+3`). The widest comes first: a box is cut no more than the pane needs.
    static let cutWidths = [30, 24, 18]
    /// The widths a VMA row's label is cut to, in turn (`A@0 0..3 rw  chain AV2 A…`).
    static let labelWidths = [30, 22]
    /// The generations indented, in turn, when the deepest boxes are still too far right.
    static let indentLimits = [4, 2]

    /// The measures to try in order when the diagram with `lanes` lanes (``usedLanes``) is too
    /// wide, each keeping the ones before: one lane fewer at a time down to two, compact
    /// chains, the anon_vma boxes cut, the labels left out, the VMA rows' labels cut, fewer
    /// generations indented, then one lane and none. A lane
    /// takes two columns (a pointer without one only widens its row): lane counts that cannot
    /// take `excess` columns off are skipped.
    static func levels(from lanes: Int, maxLanes: Int, excess: Int = 0) -> [Fit] {
      let widest = min(lanes, maxLanes)
      var fit = Fit(lanes: widest)
      var out: [Fit] = []
      while fit.lanes > 2 {
        fit.lanes -= 1
        if 2 * (widest - fit.lanes) >= excess { out.append(fit) }
      }
      fit.compactChains = true
      out.append(fit)
      for inner in cutWidths {
        fit.anonVMAInner = inner
        out.append(fit)
      }
      fit.labelsBeside = false
      out.append(fit)
      for width in labelWidths {
        fit.vmaLabelWidth = width
        out.append(fit)
      }
      for limit in indentLimits {
        fit.indentLimit = limit
        out.append(fit)
      }
      while fit.lanes > 0 {
        fit.lanes -= 1
        out.append(fit)
      }
      return out
    }

    /// Undoes what the first fitting level (``levels(from:maxLanes:excess:)``) took further than needed,
    /// in the order the picture wants them back, keeping each that still `fits`: every
    /// generation indented (or more), the VMA labels uncut (or cut less), the anon_vma boxes uncut (or cut less), full chains, then
    /// lanes one at a time up to `lanes`.
    static func relaxed(_ found: Fit, lanes: Int, fits: (Fit) -> Bool) -> Fit {
      var fit = found
      // A cut made wider: uncut, else the widest cut that fits.
      func widen(_ key: WritableKeyPath<Fit, Int?>, _ widths: [Int]) {
        guard let cut = fit[keyPath: key] else { return }
        for width in [nil] + widths.filter({ $0 > cut }).map(Optional.some) {
          var wider = fit
          wider[keyPath: key] = width
          if fits(wider) {
            fit = wider
            return
          }
        }
      }
      widen(\.indentLimit, indentLimits)
      widen(\.vmaLabelWidth, labelWidths)
      widen(\.anonVMAInner, cutWidths)
      if fit.compactChains {
        var full = fit
        full.compactChains = false
        if fits(full) { fit = full }
      }
      while fit.lanes < lanes {
        var more = fit
        more.lanes += 1
        guard fits(more) else { break }
        fit = more
      }
      return fit
    }
  }

  /// With the labels left out of the fit (``Fit/labelsBeside``): each lock label is kept where
  /// it fits in this world's width to `maxWidth` right of the boxes (a label moves nothing), and
  /// left out where it does not (the locks line under the diagram names every lock).
  mutating func keepLabelsThatFit(maxWidth: Int?) {
    guard !fit.labelsBeside else { return }
    let room = (maxWidth ?? width) - labelX
    for i in anonVMAs.indices {
      if let label = anonVMAs[i].lockLabel, Self.textWidth(label) > room { anonVMAs[i].lockLabel = nil }
      if let label = anonVMAs[i].lockLabel { width = max(width, labelX + Self.textWidth(label)) }
    }
  }

  /// The walk's label on the bottom edge of the anon_vma it walks, where it reads as that box's
  /// (beside the box it read as the caption of the root arrow between them): whole where the
  /// edge has room, else its shorter forms (`cpu0's rmap walk of pg1`, `cpu0 walk pg1`, `walk
  /// pg1`; the CPU named where the scene has more than one, ``walker``); the whole label is then
  /// written on the pane's bottom border (``walkLabelLeftOut``).
  mutating func placeWalkLabel() {
    guard let walk else { return }
    let page = World.pageName(walk.page)
    for i in anonVMAs.indices {
      guard let label = anonVMAs[i].walkLabel else { continue }
      // `┗━ label ━┛`: the corners, a rule each side and a space each side of the text.
      let room = anonVMAs[i].rect.width - 6
      let forms =
        walker.map { [label, "\($0)'s rmap walk of \(page)", "\($0) walk \(page)", "walk \(page)"] }
        ?? [label, "rmap walk of \(page)", "walk \(page)"]
      anonVMAs[i].walkLabel = forms.first { Self.textWidth($0) <= room }
      if anonVMAs[i].walkLabel != label { walkLabelLeftOut = label }
    }
  }

  /// ``cut(_:_:room:)`` of `count` items, each named (`item(i)`) only when the line reaches it:
  /// a root anon_vma's list holds every VMA of its forest, and a line shows a few of them. It
  /// reads on until the whole line is wider than `room` (then it is cut where the first item
  /// did not fit with the count of the rest), or to the end (it fits whole).
  static func cut(_ head: String, count: Int, room: Int, item: (Int) -> String) -> String {
    var line = head
    var cut: String?
    for i in 0..<count {
      let next = line + " " + item(i)
      let rest = count - i - 1
      if cut == nil, i > 0, textWidth(rest > 0 ? next + " …+\(rest)" : next) > room { cut = line + " …+\(count - i)" }
      if let cut, textWidth(next) > room { return cut }
      line = next
    }
    return line
  }

  /// ``cut(_:count:room:item:)`` that does not leave out the items at `keep` (the pages the
  /// step filed): where the plain cut would, the line writes the first other items that fit,
  /// `…+N` for the others left out, then the kept ones in order (`pages pg1 …+3 pg6`); the plain
  /// cut where even no other item leaves room for them. At 80×24 E2's step 7 ("its new page goes
  /// to AV1") wrote `pages pg1 pg2 …+3`, pg6 among the three.
  static func cut(_ head: String, count: Int, room: Int, keep: [Int], item: (Int) -> String) -> String {
    let plain = cut(head, count: count, room: room, item: item)
    // The plain cut ends `…+N` when it left out the last N items.
    guard let last = keep.max(), let mark = plain.lastIndex(of: "…"),
      let left = Int(plain[plain.index(after: mark)...].dropFirst()), last >= count - left
    else { return plain }
    let kept = Set(keep)
    let tail = keep.sorted().map(item).joined(separator: " ")
    let others = (0..<count).filter { !kept.contains($0) }
    var best: String?
    var line = head
    for k in 0...others.count {
      let rest = others.count - k
      let candidate = line + (rest > 0 ? " …+\(rest)" : "") + " " + tail
      if textWidth(candidate) <= room { best = candidate } else if k > 0 { break }
      if k < others.count { line += " " + item(others[k]) }
    }
    return best ?? plain
  }

  /// `head a b c …+N` in at most `room` columns: as many items as fit with the count of the
  /// rest (at least one item), or all of them when they fit.
  static func cut(_ head: String, _ items: [String], room: Int) -> String {
    let whole = ([head] + items).joined(separator: " ")
    guard textWidth(whole) > room, items.count > 1 else { return whole }
    var line = head
    for (i, item) in items.enumerated() {
      let rest = items.count - i - 1
      let more = rest > 0 ? " …+\(rest)" : ""
      if i > 0 && textWidth(line + " " + item + more) > room { return line + " …+\(items.count - i)" }
      line += " " + item
    }
    return line
  }
}
