import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// A page-based operation (`rmap`, `migrate`, `swap-out`) holds its page from its start to its
/// end: the caller isolated it from the LRU, which takes a reference (``Page/callerRefs``). An
/// exit that zaps the page's last PTE meanwhile unmaps it; the caller's put frees it. In 6.1
/// rwsem-readers-share step 10 the model said `freed pg2` while cpu1's walk of pg2 ran.
@Suite("Scenes: a page an operation started from is held until the operation ends")
struct HeldPageSceneTests {
  /// Every page a CPU's remaining program names is allocated: no operation goes on with a page
  /// freed under it.
  @Test(
    "every scene, every micro-step: no CPU's remaining program names a freed page",
    arguments: sceneFiles().filter { !$0.hasPrefix("scale/") })
  func heldPagesAreAllocated(file: String) throws {
    let t = try load(file)
    for k in stride(from: 1, through: t.stepCount, by: 1) {
      for (m, micro) in t.microStates(step: k).enumerated() {
        for cpu in micro.world.cpus where cpu.state != .idle {
          for instr in cpu.pending {
            instr.forEachPage { p in
              #expect(
                !micro.world[page: p].freed,
                "\(file) step \(k) micro-step \(m + 1): \(cpu.name)'s program names freed \(World.pageName(p))")
            }
          }
        }
      }
    }
  }
}
