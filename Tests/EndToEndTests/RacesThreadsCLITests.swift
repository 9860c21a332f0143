import Foundation
import Testing

@Suite("anonvis races on threads", .cleansUp)
struct RacesThreadsCLITests {
  @Test(
    "one thread or two: the same standard output and the same counterexample files, byte for byte (two scenes with findings)"
  )
  func sameFilesOnThreads() async throws {
    for (scene, variant) in [
      ("scenes/races/d3-ksm-drop-vs-munmap.scene", "plain-dec"),
      ("scenes/races/d7-page-lock-vs-reuse.scene", "root-reread"),
    ] {
      var outputs: [String] = []
      var files: [[String: Data]] = []
      for threads in ["1", "2"] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("races-threads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await run(["races", scene, "--variant", variant, "--threads", threads, "--out", dir.path])
        #expect(result.status == 1, "\(result.stderr)")
        outputs.append(result.stdout.replacingOccurrences(of: dir.path, with: "DIR"))
        var written: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
          written[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        files.append(written)
      }
      #expect(outputs[0] == outputs[1], "\(scene)")
      #expect(!files[0].isEmpty && files[0] == files[1], "\(scene): \(files.map { $0.keys.sorted() })")
    }
  }

  @Test(
    "--frontier-worlds: 0 (every level replayed), the default and a million give the same standard output; a value out of 0...1,000,000 is refused with exit 2 and says the bounds, one not a number with the usage error"
  )
  func frontierWorlds() async throws {
    var outputs: [String] = []
    for budget in ["0", "64", "1000000"] {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("races-frontier-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: dir) }
      let result = try await run([
        "races", "scenes/races/d7-page-lock-vs-reuse.scene", "--variant", "root-reread", "--threads", "2",
        "--frontier-worlds", budget, "--out", dir.path,
      ])
      #expect(result.status == 1, "\(result.stderr)")
      outputs.append(result.stdout.replacingOccurrences(of: dir.path, with: "DIR"))
    }
    #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
    for bad in ["-1", "1000001"] {
      let result = try await run(["races", "scenes/races/d2-migration-vs-vma-adjust.scene", "--frontier-worlds=\(bad)"])
      #expect(result.status == 2)
      #expect(result.stderr.contains("--frontier-worlds must be between 0 and 1000000"), "\(result.stderr)")
    }
    // Not a number: the argument parser's usage error (64), as for every option.
    let result = try await run(["races", "scenes/races/d2-migration-vs-vma-adjust.scene", "--frontier-worlds", "many"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("frontier-worlds"), "\(result.stderr)")
  }
}
