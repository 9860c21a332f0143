import AnonVMASim
import ScenePlayer
import TermRender

/// The `?` overlay: the keys valid now and what they do; ↓/↑ scroll it where it does not fit.
struct HelpOverlay: Widget {
  var keys: [(keys: String, help: String)]
  /// Rows scrolled above the top (`AppState.helpScroll`; no more than leaves the last row shown).
  var scroll = 0
  var theme: Theme

  func render(in area: Rect, into b: inout Buffer) {
    let lines = Self.rows(keys: keys, width: area.width, theme: theme)
    // The popup's inside is at most area.height - 4 rows.
    let top = max(0, min(scroll, lines.count - (area.height - 4)))
    let title = top > 0 ? "keys valid now (\(theme.glyphs.up) \(top) above)" : "keys valid now"
    Popup(title: title, lines: Array(lines.dropFirst(top)), theme: theme).render(in: area, into: &b)
  }

  /// The overlay's rows in an area `width` columns wide: each key's help wrapped at words to the
  /// widest popup the area holds, continuation lines under the text (at 80 columns `/`'s line
  /// ended "KSM stable nod", cut without a mark).
  static func rows(keys: [(keys: String, help: String)], width areaWidth: Int, theme: Theme) -> [String] {
    let labels = keys.map { theme.plain($0.keys) }
    let width = labels.map { $0.count }.max() ?? 4
    let indent = width + 3
    let room = max(8, areaWidth - 6 - indent)
    return zip(labels, keys).flatMap { label, key -> [String] in
      let parts = wrap(key.help, room)
      return [" " + label.padding(width + 2) + (parts.first ?? "")]
        + parts.dropFirst().map { String(repeating: " ", count: indent) + $0 }
    }
  }
}

/// The `enter` overlay: the fields of the selected VMA, anon_vma, process, page or KSM stable
/// node.
struct Inspector: Widget {
  enum Subject {
    case vma(VMAID)
    case anonVMA(AnonVMAID)
    case process(ProcessID)
    case page(PageID)
    case stableNode(StableNodeID)
    case nothing
  }

  var subject: Subject
  var world: World
  /// The world before the step: a VMA freed in it is inspected as it was.
  var previous: World? = nil
  /// The scene's steps, for "created at step N by LABEL".
  var steps: [StepInfo]
  /// The real kernel's facts beside the model's (`play --conform`), after a VMA's, a process's
  /// or a page's fields.
  var kernel: [String] = []
  /// At a whole step, the moment whose locks the picture draws (``Layout/lockMoment``): an
  /// anon_vma's lock is told at it, then after the step.
  var lockMoment: (world: World, micro: Int, count: Int)? = nil
  var theme: Theme

  func render(in area: Rect, into b: inout Buffer) {
    let (title, lines) = content
    let wrapped = Self.wrapped(lines, width: area.width - 6)
    // What does not fit the area is cut, and said so (the kernel's pages of a long VMA).
    let room = max(1, area.height - 6)
    let shown =
      wrapped.count <= room
      ? wrapped
      : Array(wrapped.prefix(room - 1)) + [
        "\(theme.glyphs.ellipsis) \(wrapped.count - room + 1) more lines (a taller terminal shows them)"
      ]
    Popup(title: title, lines: shown + ["", "enter or esc closes"], theme: theme).render(in: area, into: &b)
  }

  /// The fields wrapped to the widest popup the area holds (a root's list can name hundreds of
  /// VMAs): continuation lines are indented under the field's value, never cut mid-word nor
  /// inside a name (``unbreakable(_:)``: `P3 A 0`).
  static func wrapped(_ lines: [String], width: Int) -> [String] {
    lines.flatMap { line -> [String] in
      let parts = wrap(line, width, keepingGlue: true)
      let rest = parts.dropFirst().joined(separator: " ")
      let more = rest.isEmpty ? [] : wrap(rest, width - 14).map { String(repeating: " ", count: 14) + $0 }
      return [unglued(parts[0])] + more
    }
  }

  /// The title and the lines.
  var content: (String, [String]) {
    let w = world
    let last = steps.count - 1
    switch subject {
    case .vma(let id):
      guard let v = w.vmas[id] else {
        // A VMA freed in this step (its box drawn once, `−`): its fields as they were before.
        guard let previous, previous.vmas[id] != nil else { break }
        var before = self
        before.world = previous
        before.previous = nil
        let (title, lines) = before.content
        return (title + " (freed in this step)", ["freed in this step: as it was before the step"] + lines)
      }
      return (
        w.vmaName(id),
        [
          "process       \(w[process: v.process].name)",
          "mapping       \(v.mapping), pages \(v.firstPage)..\(v.firstPage + v.pages - 1) (\(v.pages))"
            + Self.pagesBelow(v),
          "vm_start      page \(v.start)   vm_end page \(v.end)   vm_pgoff \(v.pgoff)"
            + (w.pgoffName(id).map { " (\($0): not vm_start)" } ?? ""),
          "prot          \(v.prot.rawValue)\(v.growsDown ? "  VM_GROWSDOWN" : "")",
          "anon_vma      \(v.anonVMA.map { World.avName($0) } ?? "NULL")",
          "chain         "
            + (w.chainAnonVMAs(id).isEmpty
              ? "empty (no anon_vma_chain entry)"
              : "\(w.chainAnonVMAs(id).map { World.avName($0) }.joined(separator: " "))  (newest to oldest)"),
          "created at    step \(v.createdAt) by \(steps[min(v.createdAt, last)].label)",
        ] + kernel
      )
    case .anonVMA(let a):
      guard let av = w.anonVMA(a) else { break }
      let filed = w.pages.filter { !$0.freed && $0.mapping == .anon(a) }.map(\.id)
      // `anon_vma_lock()` of this one takes its lock target's (the root's in 2.6.36 and 6.x,
      // `World.lockTarget(of:)`): AV2's own lock is never taken while AV1's covers it.
      let target = av.alive ? w.lockTarget(of: a) : a
      let whose = target == a ? "" : "\(World.avName(target))'s lock "
      let lock =
        whose
        + ((w.lockHolders[target] ?? []).map { "held by cpu\($0.cpu)\(unbreakable(Marks.lockCredit($0, w)))" }
          .joined(separator: ", ").nonEmpty ?? "free")
      // KSM's rmap_items whose `rmap_item->anon_vma` is this one: each holds a reference
      // (`hold_anon_vma()` in 2.6.3x, `get_anon_vma()` in 6.x: try_to_merge_with_ksm_page()).
      var holders: [String] = []
      for (i, node) in w.stableNodes.enumerated() where node.alive {
        for item in node.items where item.anonVMA == a {
          holders.append(unbreakable("K\(i + 1): rmap_item \(ForestDiagram.itemText(item, w))"))
        }
      }
      let ksm =
        holders.isEmpty
        ? [] : ["held by KSM   \(holders.joined(separator: ", "))  (rmap_item->anon_vma, a reference each)"]
      return (
        World.avName(a),
        [
          "alive         \(av.alive ? "yes" : "no (freed in this step)")",
          "root          \(av.root.map { World.avName($0) } ?? "(2.6.34 has no root field)")",
          "counter       \(Marks.counters(av, w))",
        ] + ksm + [
          "same_anon_vma \(w.listVMAs(a).isEmpty ? "(empty)" : w.listVMAs(a).map { w.vmaName($0) }.joined(separator: " "))",
          "pages         \(filed.isEmpty ? "none" : filed.map(World.pageName).joined(separator: " "))  (page->mapping)",
          "lock          \(lockShown(a, av).map { $0 + "; after the step: " } ?? "")\(lock)",
          "created at    step \(av.createdAt) by \(av.createdBy) (\(steps[min(av.createdAt, last)].label))",
        ]
      )
    case .process(let p):
      guard w.isAllocated(p) else { break }
      let proc = w[process: p]
      let children = w.processes.filter { $0.parent == p }.map(\.name)
      return (
        proc.name,
        [
          "alive         \(proc.alive ? "yes" : "no (exited)")",
          "parent        \(proc.parent.map { w[process: $0].name } ?? "none")",
          "children      \(children.isEmpty ? "none" : children.joined(separator: " "))",
          "VMAs          \(proc.vmas.map { w.vmaName($0) }.joined(separator: " "))",
        ] + kernel
      )
    case .page(let id):
      guard w.isAllocated(id) else { break }
      return (World.pageName(id), Self.page(id, w) + kernel)
    case .stableNode(let k):
      guard k.raw >= 1, k.raw <= w.stableNodes.count else { break }
      let node = w[stableNode: k]
      let items = node.items.map {
        unbreakable("\($0.vmaName) page \($0.address) \(theme.glyphs.arrow)\(World.avName($0.anonVMA))")
      }
      return (
        "KSM stable node K\(k.raw)",
        [
          "alive         \(node.alive ? "yes" : "no")",
          "page          \(World.pageName(node.page))  (the merged page, page->mapping)",
          "rmap_items    \(items.isEmpty ? "none" : items.joined(separator: ", "))  (each holds its anon_vma)",
        ]
      )
    case .nothing:
      break
    }
    return ("inspector", ["nothing selected"])
  }
}

extension Inspector {
  /// At a whole step whose picture draws a lock's outline around `a` (alive after the step,
  /// under the lock held at the featured moment): `at micro-step 20 (shown): AV1's lock held by
  /// cpu0 (fork P2 P3) covers AV3`.
  func lockShown(_ a: AnonVMAID, _ av: AnonVMA) -> String? {
    guard av.alive, let m = lockMoment, m.world.anonVMA(a)?.alive == true else { return nil }
    let target = m.world.lockTarget(of: a)
    guard let holders = m.world.lockHolders[target], !holders.isEmpty else { return nil }
    let by = holders.map { h in
      "cpu\(h.cpu)" + (h.mode == .exclusive ? "" : " for \(h.mode.rawValue)")
        + (h.op.map { " (\(unbreakable($0)))" } ?? "")
    }
    let covers = target == a ? "" : " covers \(World.avName(a))"
    let name = World.avName(target)
    return "at micro-step \(m.micro) (shown): \(name)'s lock held by \(by.joined(separator: ", "))\(covers)"
  }

  /// Why a VMA's first page is negative (`b@-4`): the model numbers a VMA's pages from the first
  /// page its mapping's `mmap` placed, and the VMA has grown below it: vma_merge's case of a next
  /// extended down (2.6.36 mm/mmap.c, `vma_adjust(area, addr, next->vm_end, next->vm_pgoff -
  /// pglen, NULL)`) or expand_downwards (`vma->vm_start = address; vma->vm_pgoff -= grow;`), in
  /// both vm_start and vm_pgoff go down together.
  static func pagesBelow(_ v: VMA) -> String {
    guard v.firstPage < 0 else { return "" }
    return "  (numbered from \(v.mapping)'s mmap at page \(v.base): \(v.firstPage) is \(-v.firstPage) "
      + "page\(v.firstPage == -1 ? "" : "s") below it, where the VMA grew down)"
  }

  /// A page's fields: `page->mapping`, `page->index`, its mapcount, each PTE that maps it (with
  /// its VMA and whether it is writable), swap cache and migration.
  static func page(_ id: PageID, _ w: World) -> [String] {
    let page = w[page: id]
    guard !page.freed else { return ["freed         yes (freed in this step)"] }
    let mapping: String
    switch page.mapping {
    case .anon(let a): mapping = "\(World.avName(a))  (anon_vma: an rmap walk starts there)"
    case .ksm(let k): mapping = "K\(k.raw)  (KSM stable node)"
    case .none: mapping = "NULL"
    }
    var ptes: [String] = []
    for (p, vpage) in ForestDiagram.places(of: id, in: w) {
      var notes: [String] = []
      if let v = w.vmaContaining(process: p, vpage: vpage) { notes.append(w.vmaName(v)) }
      switch w[process: p].ptes[vpage] {
      case .page(_, let writable): notes.append(writable ? "writable" : "read-only")
      case .migration: notes.append("migration entry")
      default: break
      }
      // One PTE's entry stays on one line: its place, then its VMA's name.
      ptes.append(unbreakable(w.locationName(process: p, vpage: vpage) + " (" + notes.joined(separator: ", ") + ")"))
    }
    var lines = [
      "page->mapping \(mapping)",
      "page->index   \(page.index)  (the virtual page it was first mapped at)",
      "mapcount      \(page.mapcount)  (PTEs mapping it; 1: exclusive, as pagemap reports)",
      "mapped by     \(ptes.isEmpty ? "no PTE" : ptes.joined(separator: ", "))",
    ]
    if let slot = page.swapSlot { lines.append("swap cache    slot \(slot.raw)") }
    if page.pinned { lines.append("migration     held: its PTEs are migration entries") }
    if page.callerRefs > 0 {
      lines.append("isolated      off the LRU by a CPU's operation: not freed until it puts the page back")
    }
    return lines
  }
}
