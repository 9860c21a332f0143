import AnonVMASim
import TermRender

extension ForestDiagram {
  /// The marks of the selection and of emphasis, glyphs so they read without colour.
  enum SelectionGlyphs {
    static func selected(_ ascii: Bool) -> String { ascii ? "*" : "◆" }
    static func related(_ ascii: Bool) -> String { ascii ? "o" : "◇" }
    static func emphasized(_ ascii: Bool) -> String { ascii ? "!" : "≠" }
  }

  /// What an object points to or is pointed to by, itself left out:
  /// - a process: its VMAs (`mm->mmap`) and their anon_vmas (`vma->anon_vma`);
  /// - a VMA: its process (whose list holds it), its anon_vma, every anon_vma on its
  ///   `anon_vma_chain`, and the pages its PTEs map;
  /// - an anon_vma: its root and (6.x) parent, the VMAs on its `same_anon_vma` list and their
  ///   processes, the pages filed in it (`page->mapping`) and the stable nodes whose
  ///   rmap_items hold it (`rmap_item->anon_vma`);
  /// - a page: its anon_vma or stable node (`page->mapping`) and the VMAs whose PTEs map it;
  /// - a stable node: its page and the anon_vmas its rmap_items hold;
  /// - a fold: nothing.
  public static func related(to object: Object, in w: World) -> Set<Object> {
    var result = Set<Object>()
    switch object {
    case .process(let p):
      guard w.isAllocated(p) else { return [] }
      for v in w[process: p].vmas {
        guard let vma = w.vmas[v] else { continue }
        result.insert(.vma(v))
        if let a = vma.anonVMA { result.insert(.anonVMA(a)) }
      }
    case .vma(let v):
      guard let vma = w.vmas[v] else { return [] }
      result.insert(.process(vma.process))
      if let a = vma.anonVMA { result.insert(.anonVMA(a)) }
      for a in w.chainAnonVMAs(v) { result.insert(.anonVMA(a)) }
      if w.isAllocated(vma.process) {
        for (vpage, pte) in w[process: vma.process].ptes where vma.start <= vpage && vpage < vma.end {
          if let page = pte.mappedPage { result.insert(.page(page)) }
        }
      }
    case .anonVMA(let a):
      guard let av = w.anonVMA(a), av.alive else { return [] }
      if let root = av.root { result.insert(.anonVMA(root)) }
      if let parent = av.parent { result.insert(.anonVMA(parent)) }
      for v in w.listVMAs(a) {
        result.insert(.vma(v))
        if let p = w.vmas[v]?.process { result.insert(.process(p)) }
      }
      for page in w.pages where !page.freed && page.mapping == .anon(a) { result.insert(.page(page.id)) }
      for node in w.stableNodes where node.alive && node.items.contains(where: { $0.anonVMA == a }) {
        result.insert(.stableNode(node.id))
      }
    case .page(let id):
      guard w.isAllocated(id), !w[page: id].freed else { return [] }
      switch w[page: id].mapping {
      case .anon(let a): result.insert(.anonVMA(a))
      case .ksm(let k): result.insert(.stableNode(k))
      case .none: break
      }
      for v in mappers(of: id, in: w) { result.insert(.vma(v)) }
    case .stableNode(let k):
      guard k.raw >= 1, k.raw <= w.stableNodes.count, w[stableNode: k].alive else { return [] }
      let node = w[stableNode: k]
      result.insert(.page(node.page))
      for item in node.items { result.insert(.anonVMA(item.anonVMA)) }
    case .fold:
      break
    }
    result.remove(object)
    return result
  }

  /// A selected anon_vma's `same_anon_vma` list (2.6; 6.x: its `rb_root` interval tree in order,
  /// `World.listVMAs`): each VMA on it and its place from 1, so a student
  /// reads the list in order where the box has room for its head only (`list P1:A@0 …+2`).
  /// Nothing for any other selection.
  public static func listPlaces(of selection: Object, in w: World) -> [VMAID: Int] {
    guard case .anonVMA(let a) = selection, w.isAllocated(a), w[anonVMA: a].alive else { return [:] }
    var places: [VMAID: Int] = [:]
    for v in w.listVMAs(a) where places[v] == nil { places[v] = places.count + 1 }
    return places
  }

  /// The VMAs whose PTEs map a page (present or a migration entry), in process order, then
  /// address: each PTE's VMA (`find_vma`).
  public static func mappers(of page: PageID, in w: World) -> [VMAID] {
    var result: [VMAID] = []
    for (p, vpage) in places(of: page, in: w) {
      if let v = w.vmaContaining(process: p, vpage: vpage), !result.contains(v) { result.append(v) }
    }
    return result
  }

  /// Where a page is mapped (present or a migration entry): `(process, vpage)` in process order,
  /// then address, as `World.mappedAt(page:)` gives them, found without indexing every page.
  public static func places(of page: PageID, in w: World) -> [(process: ProcessID, vpage: Int)] {
    var result: [(process: ProcessID, vpage: Int)] = []
    for (p, process) in w.processes.enumerated() {
      let here = process.ptes.compactMap { $0.value.mappedPage == page ? $0.key : nil }.sorted()
      result += here.map { (ProcessID(p), $0) }
    }
    return result
  }

  /// This diagram with `selection` selected instead: what it is related to and its chain's
  /// connectors, which depend on no column (the same as laying the diagram out again with
  /// the selection, ``DiagramFastPathTests``): a key that only moves the selection lays
  /// nothing out.
  func selecting(_ selection: Object?, in w: World) -> ForestDiagram {
    var d = self
    d.options.selection = selection
    d.related = selection.map { Self.related(to: $0, in: w) } ?? []
    d.listPlaces = selection.map { Self.listPlaces(of: $0, in: w) } ?? [:]
    d.chainConnectors = []
    d.routeChain(w)
    return d
  }

  /// The selected VMA's `anon_vma_chain` as connectors, one per entry in list order (head
  /// first): out of the VMA's row into a column right of the lanes, down or up it, into each
  /// anon_vma's side (its own anon_vma on the `vma->anon_vma` row, the others one row below),
  /// numbered beside the arrowhead.
  mutating func routeChain(_ w: World) {
    guard case .vma(let v) = options.selection, let box = processes.first(where: { $0.vmas.contains(v) }),
      box.change != .removed, let row = box.row(of: v), let left = anonVMAs.first?.rect.x
    else { return }
    let own = w.vmas[v]?.anonVMA
    let x = left - 3
    for a in w.chainAnonVMAs(v) {
      guard let target = anonVMAs.first(where: { $0.anonVMA == a && $0.change != .removed })?.rect else { continue }
      let y = target.y + (a == own ? 1 : 2)
      chainConnectors.append(
        Arrow(.vmaAnonVMA(vma: v, anonVMA: a), [(box.rect.maxX - 1, row), (x, row), (x, y), (left - 1, y)]))
    }
  }

  /// Marks the selection (`◆`), what it is related to (`◇`; a selected anon_vma's VMAs by their
  /// place on its list, `1` `2` …) and the emphasized objects (`≠`):
  /// on a box's top border at its right end, on a VMA row's left border (selection) and last
  /// inner column (emphasis); the titles and rows in their style.
  func drawMarks(_ put: (String, Int, Int, Style, Int) -> Void, _ s: Styles) {
    guard options.selection != nil || !options.emphasized.isEmpty else { return }
    let selected = options.selection
    func boxMarks(_ o: Object, _ r: Rect) {
      if o == selected {
        put(SelectionGlyphs.selected(ascii), r.maxX - 2, r.y, s.selected, r.maxX - 1)
      } else if related.contains(o) {
        put(SelectionGlyphs.related(ascii), r.maxX - 2, r.y, s.related, r.maxX - 1)
      }
      if options.emphasized.contains(o) {
        put(SelectionGlyphs.emphasized(ascii), r.maxX - 3, r.y, s.emphasized, r.maxX - 2)
      }
    }
    for box in processes {
      boxMarks(.process(box.process), box.rect)
      for (i, v) in box.vmas.enumerated() {
        let y = box.row(at: i)
        if .vma(v) == selected {
          put(SelectionGlyphs.selected(ascii), box.rect.x, y, s.selected, box.rect.x + 1)
        } else if related.contains(.vma(v)) {
          // On the selected anon_vma's list: its place, as the chain connectors number theirs.
          let glyph = listPlaces[v].map { $0 < 10 ? "\($0)" : "·" } ?? SelectionGlyphs.related(ascii)
          put(glyph, box.rect.x, y, s.related, box.rect.x + 1)
        }
        if options.emphasized.contains(.vma(v)) {
          put(SelectionGlyphs.emphasized(ascii), box.rect.maxX - 2, y, s.emphasized, box.rect.maxX - 1)
        }
      }
    }
    for (i, box) in anonVMAs.enumerated() {
      boxMarks(.anonVMA(box.anonVMA), box.rect)
      // An emphasized page the box files but does not write (cut): its box carries the mark.
      if !options.emphasized.contains(.anonVMA(box.anonVMA)), i < contents.count,
        contents[i].contains(where: { options.emphasized.contains(.page($0)) }),
        contents[i].contains(where: { p in !pageCells(ofBox: i).contains { $0.page == p } })
      {
        put(SelectionGlyphs.emphasized(ascii), box.rect.maxX - 3, box.rect.y, s.emphasized, box.rect.maxX - 2)
      }
    }
    for box in stableNodes { boxMarks(.stableNode(box.node), box.rect) }
    for fold in processFolds { boxMarks(.fold(fold.members.firstProcess ?? 0), fold.rect) }
    // A page: the mark in the space before its name (or the `…+N` standing for it), the name in
    // the selection's style; pages sharing a `…+N` share its mark, the selection's winning, then
    // the emphasis (`≠`: in compare, the page differs from the other model's), then relation.
    enum PageMark: Int { case related, emphasized, selected }
    var pageMarks: [Rect: (mark: PageMark, name: String?)] = [:]
    func markPage(_ page: PageID, _ r: Rect, named: Bool) {
      let name = named ? World.pageName(page) : nil
      let mark: PageMark? =
        selected == .page(page)
        ? .selected
        : options.emphasized.contains(.page(page)) ? .emphasized : related.contains(.page(page)) ? .related : nil
      guard let mark, (pageMarks[r]?.mark.rawValue ?? -1) < mark.rawValue else { return }
      pageMarks[r] = (mark, name)
    }
    for i in anonVMAs.indices {
      for cell in pageCells(ofBox: i) { markPage(cell.page, cell.rect, named: cell.named) }
    }
    for box in stableNodes {
      if let r = pageCell(inStableNode: box) { markPage(box.page, r, named: true) }
    }
    for (r, mark) in pageMarks {
      let (glyph, style) =
        switch mark.mark {
        case .selected: (SelectionGlyphs.selected(ascii), s.selected)
        case .emphasized: (SelectionGlyphs.emphasized(ascii), s.emphasized)
        case .related: (SelectionGlyphs.related(ascii), s.related)
        }
      put(glyph, r.x - 1, r.y, style, r.x)
      if let name = mark.name { put(name, r.x, r.y, style, r.maxX) }
    }
  }

  /// The style of an object's title or row: selected, related, else `plain`.
  func highlight(_ o: Object, _ s: Styles, else plain: Style) -> Style {
    o == options.selection ? s.selected : related.contains(o) ? s.related : plain
  }
}

extension ForestDiagram {
  /// What differs between two diagrams of one scene (compare: two models at the same step),
  /// to pass as ``Options/emphasized`` to each: objects only one of them draws, and objects both
  /// draw differently — a process's VMAs, a VMA's row (range, protection, chain, walk), an
  /// anon_vma's title (root or not), list and pages. Counters are left out: each model names
  /// its own (`ext`, `ksm`, `ref nc act`), so they always differ.
  public static func differences(_ a: ForestDiagram, _ b: ForestDiagram) -> Set<Object> {
    func boxes(_ d: ForestDiagram) -> [ProcessID: ProcessBox] {
      Dictionary(d.processes.map { ($0.process, $0) }, uniquingKeysWith: { first, _ in first })
    }
    func anonVMAs(_ d: ForestDiagram) -> [AnonVMAID: AnonVMABox] {
      Dictionary(d.anonVMAs.map { ($0.anonVMA, $0) }, uniquingKeysWith: { first, _ in first })
    }
    func row(_ d: ForestDiagram, _ v: VMAID) -> [String]? {
      d.vmaLabels[v].map { [$0.text, $0.chain, $0.walk ?? ""] }
    }
    let (pa, pb, aa, ab) = (boxes(a), boxes(b), anonVMAs(a), anonVMAs(b))
    var result = Set<Object>()
    for o in Set(a.objects).union(b.objects) {
      switch o {
      case .process(let p):
        if pa[p]?.vmas != pb[p]?.vmas { result.insert(o) }
      case .vma(let v):
        if row(a, v) != row(b, v) { result.insert(o) }
      case .anonVMA(let x):
        // The list and pages lines (a planned box always has a pages line).
        func lines(_ box: AnonVMABox?) -> [String]? { box.map { $0.lines.dropFirst().filter { $0 != "pages none" } } }
        if aa[x]?.title != ab[x]?.title || lines(aa[x]) != lines(ab[x]) { result.insert(o) }
      case .fold, .page, .stableNode:
        // A page is compared as its anon_vma's `pages` line; stable nodes are not compared.
        break
      }
    }
    return result
  }
}

extension PTE {
  /// The page a present PTE or a migration entry maps.
  var mappedPage: PageID? {
    switch self {
    case .page(let p, _), .migration(let p, _): p
    case .zero, .swap: nil
    }
  }
}
