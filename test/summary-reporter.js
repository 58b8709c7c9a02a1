// Prints one closing line that CI can count: "tests: N passed, N failed, N skipped".
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests: p, numFailedTests: f, numPendingTests: s } = results;
    process.stdout.write(`\ntests: ${p} passed, ${f} failed, ${s} skipped\n`);
  }
}
module.exports = SummaryReporter;
