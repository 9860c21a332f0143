import AnonVMASim
import TermRender

extension ForestDiagram {
  /// A held anon_vma lock drawn as one shaded outline around the anon_vma boxes it covers:
  /// under `anon_vma_lock()` of 2.6.36 and 6.x (the root's lock, `anon_vma->root->lock` /
  /// `root->rwsem`) every anon_vma of the forest, whose boxes stand together in the forest's
  /// group; in 2.6.34 (`anon_vma->lock`, per anon_vma) only the locked one — the contrast is the
  /// lesson. The VMAs on the covered lists are marked `▌` on their rows.
  public struct LockOutline: Sendable, Hashable {
    /// The locked anon_vma (the root, or in 2.6.34 the anon_vma itself).
    public var lock: AnonVMAID
    /// The outline: one column and row around the covered boxes.
    public var rect: Rect
    /// The anon_vmas covered, drawn inside.
    public var covered: [AnonVMAID]
    /// `AV1 lock: cpu0 (fork P1 P2)`, or `AV1 lock: shared: cpu0 cpu1 (read)` for rwsem
    /// readers (6.x); `brief` without the operations, where the full one does not fit.
    public var holders: String
    public var brief: String
    /// The CPUs waiting for this lock (`cpu1`).
    public var waiters: [String] = []
    /// ` waiting: cpu1 `, written on the outline's bottom edge; nil when none waits.
    public var waiting: String? { Self.waitingLabel(waiters) }

    static func waitingLabel(_ waiters: [String]) -> String? {
      waiters.isEmpty ? nil : " waiting: " + waiters.joined(separator: " ") + " "
    }
  }

  /// One outline per held lock, around the boxes of the anon_vmas it covers in this world.
  mutating func outlineLocks(_ w: World) {
    let moment = options.lockMoment ?? w
    for lock in moment.lockHolders.keys.sorted() {
      let boxes = anonVMAs.filter { $0.locked && $0.change != .removed && moment.lockTarget(of: $0.anonVMA) == lock }
      guard let first = boxes.first else { continue }
      var top = first.rect.y
      var bottom = first.rect.maxY
      for b in boxes {
        top = min(top, b.rect.y)
        bottom = max(bottom, b.rect.maxY)
      }
      let texts = Self.lockTexts(lock, moment, end: w)
      lockOutlines.append(
        LockOutline(
          lock: lock,
          rect: Rect(x: first.rect.x - 1, y: top - 1, width: first.rect.width + 2, height: bottom - top + 2),
          covered: boxes.map(\.anonVMA), holders: texts.holders, brief: texts.brief, waiters: texts.waiters))
    }
  }

  /// A held lock's outline labels: ` AV1 lock: cpu0 (fork P1 P2) `, the same without the
  /// operations, ` AV1 lock: shared: cpu0 cpu1 ` for rwsem readers, and the CPUs waiting.
  ///
  /// The waiting CPUs are those waiting at the moment drawn, `w`, and those waiting at the step's
  /// `end` for the lock still held then: a CPU that blocks after the moment drawn (exit on cpu1
  /// after cpu0's `mm_take_all_locks()`) waits at the step's end, as the locks line says.
  static func lockTexts(
    _ lock: AnonVMAID, _ w: World, end: World
  ) -> (holders: String, brief: String, waiters: [String]) {
    let holders = w.lockHolders[lock] ?? []
    let name = " \(World.avName(lock)) lock: "
    let heldAtEnd = !(end.lockHolders[lock] ?? []).isEmpty
    let waiting = w.cpus.indices.compactMap { i in
      w.cpus[i].waitingFor == lock
        ? w.cpus[i].waiterName
        : heldAtEnd && i < end.cpus.count && end.cpus[i].waitingFor == lock ? end.cpus[i].waiterName : nil
    }
    if holders.count > 1 && holders.allSatisfy({ $0.mode == .read }) {
      let text = name + "shared: " + holders.map { "cpu\($0.cpu)" }.joined(separator: " ")
      return (text + " (read) ", text + " ", waiting)
    }
    func cpu(_ h: World.LockHolder) -> String { "cpu\(h.cpu)" + (h.mode == .exclusive ? "" : " \(h.mode.rawValue)") }
    let full = holders.map { h in cpu(h) + (h.op.map { " (\($0))" } ?? "") }.joined(separator: ", ")
    return (name + full + " ", name + holders.map(cpu).joined(separator: ", ") + " ", waiting)
  }

  /// An outline's holder labels, longest first: the whole one, its operation cut by words and
  /// marked (` AV1 lock: cpu0 (mprotect P1…) `, as titles elide), then ``LockOutline/brief``.
  static func holderForms(_ outline: LockOutline, ascii: Bool) -> [String] {
    let full = outline.holders
    guard let open = full.firstRange(of: " ("), full.hasSuffix(") ") else { return [full, outline.brief] }
    let head = String(full[..<open.upperBound])
    let words = full[open.upperBound..<full.index(full.endIndex, offsetBy: -2)].split(separator: " ")
    let cut = (1..<max(1, words.count)).reversed().map {
      head + words.prefix($0).joined(separator: " ") + (ascii ? "..) " : "…) ")
    }
    return [full] + cut + [outline.brief]
  }

  /// The boxes an outline must leave alone: every box but the ones it covers (a freed
  /// anon_vma of the forest stands next to the locked ones, its border on the outline's row).
  func boxesOutside(_ outline: LockOutline) -> [Rect] {
    let covered = Set(outline.covered)
    return anonVMAs.filter { !covered.contains($0.anonVMA) }.map(\.rect) + processes.map(\.rect)
      + stableNodes.map(\.rect) + (processFolds + anonVMAFolds).map(\.rect)
  }

  /// The outlines, shaded (`░`) on the empty cells of their edges (arrowheads and lines keep
  /// theirs, and so does every box the outline does not cover), the holders on the top edge,
  /// the waiting CPUs on the bottom edge (where no such box is in the way). `arrowheads` are the
  /// cells (the diagram's coordinates) where arrowheads will be drawn over the outlines.
  func drawLockOutlines(
    into buffer: inout Buffer, in area: Rect, scroll: Int, arrowheads: [(x: Int, y: Int)], _ s: Styles
  ) {
    let shade = ascii ? ":" : "░"
    for outline in lockOutlines {
      let r = outline.rect
      let others = boxesOutside(outline).filter { $0.maxY > r.y && $0.y < r.maxY && $0.maxX > r.x && $0.x < r.maxX }
      func free(_ x: Int, _ y: Int) -> Bool { !others.contains { $0.contains(x: x, y: y) } }
      // The edges' cells in the window only (a large forest's outline is thousands of rows).
      var cells: [(Int, Int)] = []
      for y in [r.y, r.maxY - 1] where y >= scroll && y < scroll + area.height {
        for x in r.x..<r.maxX { cells.append((x, y)) }
      }
      for y in max(r.y + 1, scroll)..<max(max(r.y + 1, scroll), min(r.maxY - 1, scroll + area.height)) {
        cells += [(r.x, y), (r.maxX - 1, y)]
      }
      for (x, y) in cells {
        let (bx, by) = (area.x + x, area.y + y - scroll)
        guard bx >= area.x, bx < area.maxX, by >= area.y, by < area.maxY, buffer[bx, by].text == " ", free(x, y)
        else { continue }
        buffer.put(shade, x: bx, y: by, style: s.lockShade, maxX: bx + 1)
      }
      let room = r.width - 3
      // Blank cells right of the outline on its top row (nothing drawn there, no arrowhead to
      // come) lend the holders' label their room, so `AV1 lock: cpu0 (rmap P2 A 0)` reads whole
      // over empty space instead of cut at the outline's corner; the label's closing space keeps
      // it apart from whatever follows.
      var beyond = 0
      let topY = area.y + r.y - scroll
      if topY >= area.y, topY < area.maxY {
        while area.x + r.maxX + beyond < area.maxX, buffer[area.x + r.maxX + beyond, topY].text == " ",
          !arrowheads.contains(where: { $0.x == r.maxX + beyond && $0.y == r.y })
        {
          beyond += 1
        }
      }
      let wide = beyond > 0 ? room + 1 + beyond : room
      // A form whose words end inside the outline keeps its corner (its closing space is dropped
      // when it would land there); only one that needs more takes the corner and the cells beyond.
      func words(_ form: String) -> String { String(form.reversed().drop { $0 == " " }.reversed()) }
      // The bottom edge out of the window: the waiting CPUs follow the holders on the top edge,
      // where they fit (at 80×24 rwsem step 11's `waiting: cpu2` was a row below the window).
      var forms = Self.holderForms(outline, ascii: ascii)
      let bottom = r.maxY - 1
      if !outline.waiters.isEmpty, bottom < scroll || bottom >= scroll + area.height {
        let verb = outline.waiters.count > 1 ? " wait " : " waits "
        let waits = outline.waiters.joined(separator: " ") + verb
        // Without their modes (`cpu2 write` as `cpu2`) where those do not fit.
        let names = outline.waiters.map { $0.split(separator: " ").first.map(String.init) ?? $0 }
        forms =
          forms.map { words($0) + "; " + waits } + forms.map { words($0) + "; " + names.joined(separator: " ") + verb }
          + forms
      }
      let holders =
        forms.lazy.compactMap { form -> (String, Int)? in
          if Self.textWidth(form) <= room { return (form, room) }
          if Self.textWidth(words(form)) <= room { return (words(form), room) }
          return Self.textWidth(form) <= wide ? (form, wide) : nil
        }.first ?? (outline.brief, room)
      for (full, y, room) in [(holders.0, r.y, holders.1), (outline.waiting ?? "", r.maxY - 1, room)]
      where !full.isEmpty {
        let by = area.y + y - scroll
        guard by >= area.y, by < area.maxY, (r.x + 1..<r.maxX - 1).allSatisfy({ free($0, y) }) else { continue }
        let text = Self.textWidth(full) <= room ? full : String(full.prefix(max(0, room - 2))) + (ascii ? ".." : "… ")
        buffer.put(
          ascii ? Self.asciiText(text) : text, x: area.x + r.x + 2, y: by, style: s.lockReach,
          maxX: min(area.maxX, area.x + r.x + 2 + room))
      }
    }
  }
}

extension CPU {
  /// A waiting CPU as lock labels name it: `cpu1`, and in 6.x what it waits to take the rwsem
  /// for (`cpu1 write`, `cpu2 read`: a reader queues behind a waiting writer).
  var waiterName: String {
    guard let mode = waitingMode, mode != .exclusive else { return name }
    return "\(name) \(mode.rawValue)"
  }
}
