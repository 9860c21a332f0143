/// Parsers for the kernel's views of memory (Documentation/admin-guide/mm/pagemap.rst and
/// `fs/proc/task_mmu.c`, Linux 6.x). Pure: the command reads the files, these read the text.
public enum ProcMaps {
  /// The VMAs of a `/proc/PID/maps` text that lie in the executor's window, in address order.
  /// A line that does not parse is skipped; one in the window is reported as a VMA of its own.
  public static func parse(_ text: String) -> [VMAFact] {
    var result: [VMAFact] = []
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
      guard fields.count >= 2 else { continue }
      let range = fields[0].split(separator: "-")
      guard range.count == 2, let lo = UInt64(range[0], radix: 16), let hi = UInt64(range[1], radix: 16),
        lo < hi, let start = ExecutorLayout.page(at: lo), let last = ExecutorLayout.page(at: hi - 1)
      else { continue }
      let perms = Array(fields[1].utf8)
      guard perms.count >= 2 else { continue }
      result.append(VMAFact(start: start, end: last + 1, writable: perms[1] == UInt8(ascii: "w")))
    }
    return result.sorted { $0.start < $1.start }
  }
}

/// One 64-bit entry of `/proc/PID/pagemap`.
public struct PagemapEntry: Sendable, Hashable {
  public var raw: UInt64
  public init(_ raw: UInt64) { self.raw = raw }

  /// Bit 63: a page is present.
  public var present: Bool { raw & (1 << 63) != 0 }
  /// Bit 62: the entry is a swap entry.
  public var swapped: Bool { raw & (1 << 62) != 0 }
  /// Bit 56: the page is exclusively mapped (`PM_MMAP_EXCLUSIVE`).
  public var exclusive: Bool { raw & (1 << 56) != 0 }
  /// Bits 0-54: the PFN when present (zero without CAP_SYS_ADMIN).
  public var pfn: UInt64 { raw & ((1 << 55) - 1) }
}

/// `/proc/kpageflags` bits used here (include/uapi/linux/kernel-page-flags.h).
public struct KPageFlags: Sendable, Hashable {
  public var raw: UInt64
  public init(_ raw: UInt64) { self.raw = raw }

  public var anon: Bool { raw & (1 << 12) != 0 }
  public var ksm: Bool { raw & (1 << 21) != 0 }
  public var zeroPage: Bool { raw & (1 << 24) != 0 }
}

/// What the kernel says about one physical page: `/proc/kpagecount` and `/proc/kpageflags`.
public struct KernelPage: Sendable, Hashable {
  public var count: UInt64
  public var flags: KPageFlags
  public init(count: UInt64, flags: KPageFlags) {
    self.count = count
    self.flags = flags
  }
}

extension ProcessFacts {
  /// A process's facts from its maps text, its pagemap entries (by model page number) and the
  /// kernel's page data (by PFN). Pages with a non-present, non-swap entry are not mapped.
  public static func kernel(maps: String, pagemap: [Int: PagemapEntry], pages: [UInt64: KernelPage]) -> ProcessFacts {
    var facts = ProcessFacts(vmas: ProcMaps.parse(maps))
    for (v, entry) in pagemap {
      if entry.swapped {
        facts.pages[v] = PageFact(kind: .swapped, identity: entry.raw, mapcount: 0, exclusive: false)
        continue
      }
      guard entry.present else { continue }
      let page = pages[entry.pfn]
      let flags = page?.flags ?? KPageFlags(0)
      let kind: PageKind = flags.zeroPage ? .zero : flags.ksm ? .ksm : flags.anon ? .anon : .other
      facts.pages[v] = PageFact(
        kind: kind, identity: entry.pfn, mapcount: Int(clamping: page?.count ?? 0), exclusive: entry.exclusive)
    }
    return facts
  }
}
