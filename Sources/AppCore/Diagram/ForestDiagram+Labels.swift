import AnonVMASim

extension ForestDiagram {
  /// A VMA row's text: `MAPPING@FIRST FIRST..LAST PROT` (then `pgoff heap@2` where vm_pgoff is
  /// not vm_start: ``World/pgoffName(_:)``), its anon_vma when no arrow shows it
  /// (`→AV7`, the arrow added when drawn), its chain (same_vma, newest first) and what an rmap
  /// walk did there.
  struct VMALabel: Sendable, Hashable {
    var text: String
    /// The anon_vma's name (ASCII).
    var pointer: String?
    /// `chain AV3 AV2 AV1` (at most five names, then `…+N`); empty for a chain of fewer than two.
    var fullChain: String
    var chainLength: Int
    /// The chain written as its length, `chain 3` (``Fit/compactChains``).
    var compact = false
    var walk: String?
    /// In the danger style: pages it maps pointing at a freed anon_vma (`pg1→AV1 freed`), and
    /// the step's violations naming it (`!C12`).
    var danger: String?
    /// The columns of the text, the full chain, the walk note and the danger note, measured once.
    var textWidth: Int
    var fullChainWidth: Int
    var walkWidth: Int
    var dangerWidth: Int

    init(text: String, chain: [AnonVMAID], walk: String?, danger: String? = nil) {
      self.text = text
      chainLength = chain.count
      fullChain = chain.count < 2 ? "" : "chain " + ForestDiagram.elided(chain, max: 5, name: World.avName)
      self.walk = walk
      self.danger = danger
      textWidth = ForestDiagram.textWidth(text)
      fullChainWidth = ForestDiagram.textWidth(fullChain)
      walkWidth = walk.map(ForestDiagram.textWidth) ?? 0
      // As wide as in ASCII (`->`): a plan measures its columns once, for both.
      dangerWidth = danger.map { ForestDiagram.textWidth(ForestDiagram.asciiText($0)) } ?? 0
    }

    var chain: String { fullChain.isEmpty ? "" : compact ? "chain \(chainLength)" : fullChain }

    var width: Int {
      var total = textWidth
      if let pointer { total += 2 + 2 + pointer.utf8.count }  // `→` or `->`, then the name
      if !fullChain.isEmpty { total += 2 + (compact ? 6 + String(chainLength).utf8.count : fullChainWidth) }
      if walk != nil { total += 2 + walkWidth }
      if danger != nil { total += 2 + dangerWidth }
      return total
    }
  }

  /// Each VMA row's label (``VMALabel``) in the process boxes, and what the step did to each
  /// VMA of a changed box (``vmaChanges``); a VMA gone in this step (freed, or its process
  /// exited) is read from the world before, without its chain.
  mutating func labelVMAs(_ w: World) {
    let pteRowsShown = plan?.pteRows == true  // once: the property copies the plan at each use
    for box in processes {
      // A box new or gone as a whole carries the mark; only a changed one's rows need theirs.
      let marksRows = box.change == .changed
      for v in box.vmas {
        let here = w.vmas[v]
        if marksRows, let previous = options.previous {
          let change = Self.vmaChange(v, w, previous: previous)
          if change != .same { vmaChanges[v] = change }
        }
        guard let vma = here ?? options.previous?.vmas[v] else { continue }
        // Written from the world that has the VMA (`w`, not copied, for all but a gone one).
        func written(in world: World) -> String {
          let pgoff = world.pgoffName(v).map { " pgoff " + $0 } ?? ""
          return
            "\(world.vmaShortName(v)) \(vma.firstPage)..\(vma.firstPage + vma.pages - 1) \(vma.prot.rawValue)\(pgoff)"
        }
        let text = here == nil ? written(in: options.previous ?? w) : written(in: w)
        // A VMA gone in this step has no chain left (`unlink_anon_vmas()` freed it) and no walk
        // visits it: only its text is written, in its exited process's box.
        let chain = here == nil ? [] : w.chainAnonVMAs(v)
        var note: String?
        if walk != nil, here != nil { note = walkNote(w.vmaName(v)) }
        // The dangling note, then the violation marks (most rows have neither: nothing is made).
        var danger = dangling[v].flatMap(Self.danglingNote)
        if !violationMarks.isEmpty, let codes = violationMarks[.vma(v)] {
          let marks = Self.violationText(codes)
          danger = danger.map { $0 + " " + marks } ?? marks
        }
        vmaLabels[v] = VMALabel(text: text, chain: chain, walk: note, danger: danger?.isEmpty == true ? nil : danger)
        if pteRowsShown, let here { pteRows[v] = Self.pteTexts(here, w, previous: options.previous) }
      }
    }
  }

  /// A page-table entry as a VMA's PTE row writes it (``pteTexts(_:_:previous:)``), and whether
  /// the step changed it: its text differs from the one the previous world writes for that page.
  struct PTEText: Sendable, Hashable {
    var text: String
    var changed = false
  }

  /// A VMA's page-table entries in address order, as its PTE row writes them (``Plan/pteRows``),
  /// each numbered by its page in the mapping (as the label's `A@0`): `0:pg1 rw` (a present
  /// page, writable or read-only), `1:pg2 ro KSM` (its `page->mapping` a KSM stable node),
  /// `2:zero` (the shared zero page), `3:swap1` (a swap entry, its slot), `4:pg3 migrating` (a
  /// migration entry). Each is marked changed when `previous` wrote that page differently.
  static func pteTexts(_ vma: VMA, _ w: World, previous: World? = nil) -> [PTEText] {
    let ptes = w[process: vma.process].ptes
    let before = previous.flatMap { $0.isAllocated(vma.process) ? $0[process: vma.process].ptes : nil }
    // The fewer of the VMA's pages and the process's entries.
    let vpages =
      vma.pages <= ptes.count
      ? Array(vma.start..<vma.end) : ptes.keys.filter { vma.start <= $0 && $0 < vma.end }.sorted()
    return vpages.compactMap { vpage in
      guard let pte = ptes[vpage] else { return nil }
      let text = "\(vpage - vma.base):" + pteText(pte, w)
      guard let previous, let before else { return PTEText(text: text) }
      let old = before[vpage].map { "\(vpage - vma.base):" + pteText($0, previous) }
      return PTEText(text: text, changed: old != text)
    }
  }

  /// One entry's words after its page number: `pg1 rw`, `pg2 ro KSM`, `zero`, `swap3`, `pg3 migrating`.
  static func pteText(_ pte: PTE, _ w: World) -> String {
    switch pte {
    case .page(let p, let writable):
      var text = World.pageName(p) + (writable ? " rw" : " ro")
      if w.isAllocated(p), case .ksm = w[page: p].mapping { text += " KSM" }
      return text
    case .zero: return "zero"
    case .swap(let slot): return "swap\(slot.raw)"
    case .migration(let p, _): return World.pageName(p) + " migrating"
    }
  }

  /// A VMA's PTE row in at most `room` columns: `PTEs 0:pg1 rw, 1:pg2 ro, 2:zero`, `PTEs none`.
  /// A row cut to fit keeps the entries the step changed, so a step's news is never the part cut
  /// off: the changed ones, then the others in address order while they fit, each run left out
  /// written `…+N` in its place (`PTEs 0:pg1 ro KSM, 1:pg6 ro, …+1, 3:pg1 ro KSM`). Without
  /// changed entries (or when they alone do not fit) the row is cut at its end (`…+N`).
  static func pteRow(_ entries: [PTEText], room: Int) -> String {
    guard !entries.isEmpty else { return "PTEs none" }
    let whole = pteRow(entries, keeping: Set(entries.indices))
    guard textWidth(whole) > room else { return whole }
    var kept = Set(entries.indices.filter { entries[$0].changed })
    if textWidth(pteRow(entries, keeping: kept)) > room { kept = [] }
    // The first entry stays even when it alone is too wide (the box clips it).
    for i in entries.indices where !kept.contains(i) {
      kept.insert(i)
      if kept.count > 1, textWidth(pteRow(entries, keeping: kept)) > room {
        kept.remove(i)
        break
      }
    }
    return pteRow(entries, keeping: kept)
  }

  /// A PTE row with the entries `kept`, each run of the others written `…+N` in its place.
  static func pteRow(_ entries: [PTEText], keeping kept: Set<Int>) -> String {
    var parts: [String] = []
    var left = 0
    for (i, entry) in entries.enumerated() {
      if kept.contains(i) {
        if left > 0 { parts.append("…+\(left)") }
        left = 0
        parts.append(entry.text)
      } else {
        left += 1
      }
    }
    if left > 0 { parts.append("…+\(left)") }
    return "PTEs " + parts.joined(separator: ", ")
  }

  /// The inner columns a process box gives a PTE row (written two columns in from the labels):
  /// all of it up to ``maxPTERow`` columns (a longer one is cut, `…+N`), or the fit's label width.
  static func pteRowInner(_ entries: [PTEText], fit: Fit) -> Int {
    min(textWidth(pteRow(entries, room: .max)), fit.vmaLabelWidth ?? maxPTERow) + 5
  }
  static let maxPTERow = 48

  /// A page in an anon_vma box's `pages` line: its name, and with a plan's PTE rows (a large
  /// pane) its `page->index` and mapcount, `pg1@0×2`.
  func pageLabel(_ p: PageID, _ w: World) -> String {
    guard plan?.pteRows == true, w.isAllocated(p) else { return World.pageName(p) }
    let page = w[page: p]
    return "\(World.pageName(p))@\(page.index)×\(page.mapcount)"
  }

  /// The anon_vma boxes' `list` and `pages` lines cut to the fit's box width
  /// (``Fit/anonVMAInner``): `list P1:A@0 P2:A@0 …+2`.
  mutating func cutLines(_ w: World) {
    guard let inner = fit.anonVMAInner else { return }
    let room = inner - 3
    for i in anonVMAs.indices where anonVMAs[i].lines.count > 1 && anonVMAs[i].change != .removed {
      let (list, pages) = (w.listVMAs(anonVMAs[i].anonVMA), contents[i])
      anonVMAs[i].lines[1] =
        list.isEmpty ? "list (empty)" : Self.cut("list", count: list.count, room: room) { w.vmaName(list[$0]) }
      if !pages.isEmpty {
        let keep = i < freshContents.count ? pages.indices.filter { freshContents[i].contains(pages[$0]) } : []
        anonVMAs[i].lines[2] = Self.cut("pages", count: pages.count, room: room, keep: keep) {
          pageLabel(pages[$0], w)
        }
      }
    }
    measureAnonVMAText()
  }

  /// With compact chains (``Fit/compactChains``): a chain written `chain 3` where a longer
  /// label elsewhere set the width is written in full where its row has room for it (a label
  /// ends before the box's last two inner columns); nothing moves.
  mutating func spellChainsThatFit() {
    for box in processes {
      for v in box.vmas {
        guard var label = vmaLabels[v], label.compact else { continue }
        label.compact = false
        if label.width <= box.rect.width - 5 { vmaLabels[v] = label }
      }
    }
  }
}
