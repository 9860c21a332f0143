import AnonVMASim
import TermRender

extension ForestDiagram {
  /// A stable node's rmap_items written one per row, at most this many (then `…+N more`).
  static let maxItemRows = 6

  /// A stable node box's lines as the rows are stacked (below the anon_vmas): its page, then
  /// each rmap_item with the anon_vma it holds (`P2 A 0→AV2`), in list order.
  static func stableNodeLines(_ page: PageID, _ items: [RmapItem], _ w: World) -> [String] {
    var lines = ["page \(World.pageName(page))"]
    if items.isEmpty { lines.append("no rmap_items") }
    for item in items.prefix(maxItemRows) { lines.append(itemText(item, w) + "→\(World.avName(item.anonVMA))") }
    if items.count > maxItemRows { lines.append("…+\(items.count - maxItemRows) more") }
    return lines
  }

  /// An rmap_item as a row names it (``World/rmapItemName(_:)``): `P2 A 0`, `(exited)` once
  /// its process has exited.
  static func itemText(_ item: RmapItem, _ w: World) -> String { w.rmapItemName(item) }

  /// The rows a stable node's box takes with `items` rmap_items (``stableNodeLines(_:_:)``).
  static func stableNodeHeight(items: Int) -> Int {
    2 + 1 + max(1, min(items, maxItemRows)) + (items > maxItemRows ? 1 : 0)
  }

  /// The lines of a stable node freed in this step (its KSM page freed: `freeIfUnused`), drawn
  /// once in its place: the page, and `freed`. As high as a node without rmap_items.
  static func freedStableNodeLines(_ page: PageID) -> [String] { ["page \(World.pageName(page))", "freed"] }

  /// The stable nodes the diagram of `w` shows, in list order: the alive ones and the ones freed
  /// since `previous` (drawn once, `−`, in their place).
  static func shownStableNodes(_ w: World, previous: World?) -> [(node: StableNode, freed: Bool)] {
    w.stableNodes.enumerated().compactMap { i, node in
      if node.alive { return (node, false) }
      guard let previous, i < previous.stableNodes.count, previous.stableNodes[i].alive else { return nil }
      return (node, true)
    }
  }

  /// The rows the stable nodes shown in `w`'s diagram take, stacked (``shownStableNodes(_:previous:)``).
  static func stableNodeRows(_ w: World, previous: World?) -> Int {
    shownStableNodes(w, previous: previous).reduce(0) {
      $0 + stableNodeHeight(items: $1.freed ? 0 : $1.node.items.count)
    }
  }

  /// The anon_vmas the rmap_items of `w`'s alive stable nodes hold (the rows shown): the most
  /// arrow lanes the stable nodes beside the forest can need (one per anon_vma held).
  static func ksmTargets(_ w: World) -> Int {
    var held = Set<AnonVMAID>()
    for node in w.stableNodes where node.alive {
      for item in node.items.prefix(maxItemRows) { held.insert(item.anonVMA) }
    }
    return held.count
  }

  /// The inner width of `w`'s stable node boxes beside the forest, whichever way each item is
  /// written (``placeStableNodesBeside(_:)``).
  static func ksmInner(_ w: World) -> Int {
    var inner = 0
    for (i, node) in w.stableNodes.enumerated() where node.alive {
      inner = max(inner, textWidth(" KSM stable node K\(i + 1) ") + 3)
      for line in stableNodeLines(node.page, node.items, w) { inner = max(inner, textWidth(line) + 3) }
      for item in node.items.prefix(maxItemRows) {
        inner = max(inner, textWidth("rmap_item " + itemText(item, w)) + 3)
      }
    }
    return inner
  }

  /// The stable nodes moved right of everything (the root trunk, the 6.x parent lanes, the
  /// labels), when the width allows, each rmap_item's row an arrow into the anon_vma it holds:
  /// `rmap_item->anon_vma`, the reference `try_to_merge_with_ksm_page()` took on
  /// `vma->anon_vma` (`hold_anon_vma()` in mm/ksm.c of 2.6.34 and 2.6.36, `get_anon_vma()` in
  /// 6.x). Each arrow leaves the node box's left side, runs down or up a lane of its own per
  /// anon_vma and enters the anon_vma box's right side on its last row (the root arrow uses the
  /// first; where a 6.x parent arrow leaves or enters that row, the item stays written
  /// `P2 A 0→AV2`). The boxes stand from the top of the anon_vma column when they fit in the
  /// diagram's rows (else where they were stacked, below); the lanes are ordered to cross as
  /// little as possible (``orderLanes(_:count:)``, mirrored: the sources are on the right). The
  /// arrows are drawn first, so the root trunk and every other line pass over them. With a plan
  /// the column and the lanes are the timeline's (``Plan/ksmLanes``): a node box stays put.
  /// Whether stable nodes `stacked` rows high (a blank row between) stand beside the forest
  /// from row `top`: when they end inside the rows of the diagram with them under it (`height`).
  static func stableNodesFitBeside(top: Int, stacked: Int, height: Int) -> Bool { top + stacked <= height }

  /// A planned diagram's height when its stable nodes (of `nodeHeights`) will stand beside the
  /// forest (``placeStableNodesBeside(_:)``, which decides the same from the rows): the rows
  /// under the anon_vmas they leave are not the diagram's, so what the pane puts under it does
  /// not drop when a node appears. `height`: with the nodes under the anon_vmas; `forestBottom`:
  /// without them. Worked out with the rows (``init(rows:options:)``, ``unfoldedHeight(_:options:)``).
  static func heightBeside(
    plan: Plan?, nodeHeights: [Int], anonVMAsShown: Bool, forestBottom: Int, height: Int
  ) -> Int {
    guard let plan, plan.ksmBeside, !nodeHeights.isEmpty, anonVMAsShown else { return height }
    let stacked = nodeHeights.reduce(0, +) + nodeHeights.count - 1
    guard stableNodesFitBeside(top: plan.anonVMATop, stacked: stacked, height: height) else { return height }
    return max(forestBottom, plan.anonVMATop + stacked)
  }

  /// The first row of the stable nodes under the process boxes (``Plan/ksmUnder``), the process
  /// column `processHeight` rows high: a blank row under it.
  static func stableNodesUnderProcesses(plan: Plan, processHeight: Int) -> Int {
    max(plan.processBottom, processHeight) + 1
  }

  mutating func placeStableNodesBeside(_ w: World) {
    guard !stableNodes.isEmpty, !anonVMAs.isEmpty else { return }
    // Where an rmap_item's arrow may end: an alive anon_vma box's last row, unless another
    // arrow leaves or enters the boxes' right side there.
    var taken = Set<Int>()
    for arrow in arrows {
      switch arrow.kind {
      case .root, .parent:
        if let first = arrow.ys.first, let last = arrow.ys.last { taken.formUnion([first, last]) }
      default: break
      }
    }
    var entry: [AnonVMAID: (row: Int, x: Int)] = [:]
    for box in anonVMAs where box.change != .removed {
      let row = box.rect.maxY - 2
      if row > box.rect.y + 1, !taken.contains(row) { entry[box.anonVMA] = (row, box.rect.maxX) }
    }
    // Rows relative to each box's top: 0 the title border, 1 the page, 2... the items.
    var buses: [AnonVMAID: Bus] = [:]
    var sources: [(box: Int, item: Int, anonVMA: AnonVMAID)] = []
    for (i, box) in stableNodes.enumerated() {
      for (j, item) in box.items.prefix(Self.maxItemRows).enumerated() {
        guard let target = entry[item.anonVMA] else { continue }
        // The bus's sources name their index in `sources` (the lane order reads rows only).
        buses[item.anonVMA, default: Bus(anonVMA: item.anonVMA, sources: [], targetRow: target.row)].sources
          .append((VMAID(sources.count), 2 + j))
        sources.append((i, j, item.anonVMA))
      }
    }
    // The column: right of everything this world (and, planned, every world) draws.
    let base = max(width, plan?.width ?? 0) + 1
    let laneCount = max(buses.count, plan?.ksmLanes ?? 0)
    let left = base + 2 * laneCount + 1
    var lines: [[String]] = []
    var inner = 0
    for (i, box) in stableNodes.enumerated() {
      var l = box.lines
      for s in sources where s.box == i {
        l[1 + s.item] = "rmap_item " + Self.itemText(box.items[s.item], w)
      }
      inner = max(inner, Self.textWidth(box.title) + 3, l.map { Self.textWidth($0) + 3 }.max() ?? 0)
      lines.append(l)
    }
    if let plan {
      // Planned: the plan decides for the whole timeline (``Plan/ksmBeside``), and the width.
      guard plan.ksmBeside else { return }
      inner = max(inner, plan.ksmInner)
    } else if let maxWidth = options.maxWidth, left + inner + 2 > maxWidth {
      return
    }
    // The rows: from the anon_vma column's top (planned: the timeline's), stacked a row apart,
    // when they end inside the diagram's rows.
    let top = plan?.anonVMATop ?? anonVMAs.map(\.rect.y).min() ?? 0
    let stacked = stableNodes.reduce(0) { $0 + $1.rect.height + 1 } - 1
    let beside = Self.stableNodesFitBeside(top: top, stacked: stacked, height: height)
    var y = beside ? top : nil
    for i in stableNodes.indices {
      let r = stableNodes[i].rect
      stableNodes[i].rect = Rect(x: left, y: y ?? r.y, width: inner + 2, height: r.height)
      stableNodes[i].lines = lines[i]
      y = y.map { $0 + r.height + 1 }
    }
    // Each bus its own lane, ordered in the mirror image (sources left, targets right), where
    // ``orderLanes(_:count:)`` counts crossings; a bus of one source on its target's row runs
    // straight across.
    var ordered: [Bus] = []
    for var bus in buses.values.sorted(by: { $0.anonVMA < $1.anonVMA }) {
      bus.sources = bus.sources.map { s in (s.vma, stableNodes[sources[s.vma.raw].box].rect.y + s.y) }
      let straight = bus.sources.count == 1 && bus.sources[0].y == bus.targetRow
      bus.lane = straight ? nil : ordered.count { $0.lane != nil }
      ordered.append(bus)
    }
    let count = ordered.count { $0.lane != nil }
    Self.orderLanes(&ordered, count: count)
    var routed: [Arrow] = []
    for bus in ordered {
      guard let target = entry[bus.anonVMA] else { continue }
      for s in bus.sources {
        let source = sources[s.vma.raw]
        let kind = Arrow.Kind.ksm(
          node: stableNodes[source.box].node, item: source.item, anonVMA: source.anonVMA)
        // Lane k of the mirror image is lane count-1-k from the left.
        let points: [(Int, Int)] =
          bus.lane.map { lane in
            let x = base + 1 + 2 * (count - 1 - lane)
            return [(left, s.y), (x, s.y), (x, bus.targetRow), (target.x, bus.targetRow)]
          } ?? [(left, s.y), (target.x, bus.targetRow)]
        routed.append(Arrow(kind, points))
      }
    }
    arrows.insert(contentsOf: routed, at: 0)
    width = max(width, left + inner + 2)
  }
}
