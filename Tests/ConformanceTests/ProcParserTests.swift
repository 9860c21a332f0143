import Conformance
import Testing

@Suite("conform: the /proc parsers (fixed text)")
struct ProcParserTests {
  @Test("maps: only VMAs in the executor's window, as model pages, with their protection")
  func maps() {
    let text = """
      55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]
      100000000000-100000002000 rw-p 00000000 00:00 0 
      100000002000-100000004000 r--p 00000000 00:00 0 
      100000014000-100000015000 rw-p 00000000 00:00 0 
      7ffd5e3f0000-7ffd5e411000 rw-p 00000000 00:00 0                          [stack]
      garbage line
      """
    #expect(
      ProcMaps.parse(text) == [
        VMAFact(start: 0, end: 2, writable: true), VMAFact(start: 2, end: 4, writable: false),
        VMAFact(start: 20, end: 21, writable: true),
      ])
    #expect(ProcMaps.parse("") == [])
  }

  @Test("pagemap entry bits: present 63, swapped 62, exclusive 56, PFN 0-54")
  func pagemapBits() {
    let e = PagemapEntry(1 << 63 | 1 << 56 | 1 << 55 | 0x1234)
    #expect(e.present && e.exclusive && !e.swapped)
    #expect(e.pfn == 0x1234)
    #expect(PagemapEntry(1 << 62).swapped)
    #expect(!PagemapEntry(0).present)
  }

  @Test("kpageflags bits: ANON 12, KSM 21, ZERO_PAGE 24")
  func kpageflags() {
    #expect(KPageFlags(1 << 12).anon && !KPageFlags(1 << 12).ksm)
    #expect(KPageFlags(1 << 21 | 1 << 12).ksm)
    #expect(KPageFlags(1 << 24).zeroPage && !KPageFlags(1 << 24).anon)
  }

  @Test("a process's kernel facts: anon, zero, KSM, swapped and absent pages")
  func processFacts() {
    let maps = "100000000000-100000005000 rw-p 00000000 00:00 0\n"
    let present: UInt64 = 1 << 63
    let pagemap: [Int: PagemapEntry] = [
      0: PagemapEntry(present | 1 << 56 | 10), 1: PagemapEntry(present | 20), 2: PagemapEntry(present | 30),
      3: PagemapEntry(1 << 62 | 0x55), 4: PagemapEntry(0),
    ]
    let pages: [UInt64: KernelPage] = [
      10: KernelPage(count: 1, flags: KPageFlags(1 << 12)), 20: KernelPage(count: 0, flags: KPageFlags(1 << 24)),
      30: KernelPage(count: 2, flags: KPageFlags(1 << 12 | 1 << 21)),
    ]
    let f = ProcessFacts.kernel(maps: maps, pagemap: pagemap, pages: pages)
    #expect(f.vmas == [VMAFact(start: 0, end: 5, writable: true)])
    #expect(f.pages[0] == PageFact(kind: .anon, identity: 10, mapcount: 1, exclusive: true))
    #expect(f.pages[1]?.kind == .zero)
    #expect(f.pages[2] == PageFact(kind: .ksm, identity: 30, mapcount: 2, exclusive: false))
    #expect(f.pages[3]?.kind == .swapped)
    #expect(f.pages[4] == nil)
    #expect(f.pages.count == 4)
  }

  @Test("the layout: page v at base + v pages, and back")
  func layout() {
    #expect(ExecutorLayout.address(ofPage: 3) == 0x1000_0000_3000)
    #expect(ExecutorLayout.page(at: 0x1000_0000_3fff) == 3)
    #expect(ExecutorLayout.page(at: 0xfff_ffff_ffff) == nil)
  }
}
