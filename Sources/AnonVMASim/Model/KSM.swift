/// A KSM stable node with its KSM page.
public struct StableNode: Sendable, Hashable {
  public var id: StableNodeID
  public var page: PageID
  public var items: [RmapItem]
  public var alive: Bool
}

/// A KSM `rmap_item` in the stable tree, holding a reference on `anon_vma`.
public struct RmapItem: Sendable, Hashable {
  public var process: ProcessID
  public var address: Int
  public var vmaName: String
  public var anonVMA: AnonVMAID
}

extension World {
  /// An rmap_item as the screen and the DOT graph name it: its mm's process, mapping and page
  /// (`rmap_item->mm` and `->address`, written as a scene writes them: `ksm-merge P2 A 0`),
  /// `(exited)` once the process has exited (its mm_slot stays for ksmd: `ksm_exit()`).
  public func rmapItemName(_ item: RmapItem) -> String {
    // `P2:A@0`: the mapping is between the process and the VMA's first page.
    let afterProcess = item.vmaName.split(separator: ":", maxSplits: 1).last ?? Substring(item.vmaName)
    let mapping = afterProcess.split(separator: "@").dropLast().joined(separator: "@")
    guard isAllocated(item.process) else { return "\(item.vmaName) \(item.address)" }
    let process = self[process: item.process]
    return "\(process.name) \(mapping.isEmpty ? String(afterProcess) : mapping) \(item.address)"
      + (process.alive ? "" : " (exited)")
  }

  /// The pages filed in each anon_vma (`page->mapping`), in page order; freed pages left out.
  public func filedPages() -> [AnonVMAID: [PageID]] {
    var pagesOf: [AnonVMAID: [PageID]] = [:]
    for page in pages where !page.freed {
      if case .anon(let a) = page.mapping { pagesOf[a, default: []].append(page.id) }
    }
    return pagesOf
  }
}
