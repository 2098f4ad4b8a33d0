namespace UsbMesh.Metrics.Tests;

/// <summary>The parser refuses what the format does not allow, so that its approval of the exporter means something.</summary>
public sealed class PrometheusTextParserSpec
{
    [Theory]
    [InlineData("a 1")]
    [InlineData("a 1\n\n")]
    [InlineData("1a 1\n")]
    [InlineData("a{b=\"c} 1\n")]
    [InlineData("a{b=\"\\t\"} 1\n")]
    [InlineData("a{__b=\"c\"} 1\n")]
    [InlineData("a{b=\"c\",b=\"d\"} 1\n")]
    [InlineData("a  1\n")]
    [InlineData("a one\n")]
    [InlineData("a 1\na 2\n")]
    [InlineData("a 1\nb 1\na{x=\"y\"} 1\n")]
    [InlineData("a 1\n# TYPE a counter\n")]
    [InlineData("# TYPE a meter\n")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n")]
    [InlineData("# TYPE h histogram\nh 1\n")]
    public void Refuses_broken_text(string text) => Assert.Throws<FormatException>(() => PrometheusTextParser.Parse(text));

    [Fact]
    public void Reads_valid_text()
    {
        var families = PrometheusTextParser.Parse("""
            # HELP h Latency.
            # TYPE h histogram
            h_bucket{d="x",le="0.5"} 1
            h_bucket{d="x",le="+Inf"} 2
            h_sum{d="x"} 1.25
            h_count{d="x"} 2
            # a free comment
            g{a="q\"\\\n"} -Inf

            """.Replace("\r", "", StringComparison.Ordinal).TrimEnd('\n') + "\n");

        Assert.Equal("Latency.", families["h"].Help);
        Assert.Equal("q\"\\\n", families["g"].Samples.Single().Labels["a"]);
        Assert.Equal(double.NegativeInfinity, families["g"].Samples.Single().Value);
    }
}
