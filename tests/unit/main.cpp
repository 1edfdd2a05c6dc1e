// The unit-test runner. Catch2 v2's "tap" reporter prints one line per
// assertion; "tap-cases" prints one per test case, which is what scripts/test counts.

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

namespace {

class TapPerCase : public Catch::StreamingReporterBase<TapPerCase> {
public:
    using StreamingReporterBase::StreamingReporterBase;
    static std::string getDescription() { return "TAP, one line per test case"; }
    void assertionStarting(Catch::AssertionInfo const&) override { }
    bool assertionEnded(Catch::AssertionStats const&) override { return true; }
    void testCaseEnded(Catch::TestCaseStats const& stats) override
    {
        bool const passed
            = stats.totals.assertions.failed == 0 && stats.totals.testCases.failed == 0;
        stream << (passed ? "ok " : "not ok ") << ++m_count << " - " << stats.testInfo.name << '\n';
        StreamingReporterBase::testCaseEnded(stats);
    }
    void testRunEnded(Catch::TestRunStats const& stats) override
    {
        stream << "1.." << m_count << '\n';
        StreamingReporterBase::testRunEnded(stats);
    }

private:
    int m_count = 0;
};

}

CATCH_REGISTER_REPORTER("tap-cases", TapPerCase)
