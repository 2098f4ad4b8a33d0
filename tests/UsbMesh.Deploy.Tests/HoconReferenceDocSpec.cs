namespace UsbMesh.Deploy.Tests;

public class HoconReferenceDocSpec
{
    [NeedsToolFact("awk")]
    public void Docs_HOCON_md_is_what_deploy_hocon_doc_sh_makes_of_reference_conf()
    {
        var generated = Tool.Run("bash", "deploy/hocon-doc.sh");

        Assert.True(generated.ExitCode == 0, generated.Error);
        Assert.True(
            generated.Output == Repository.Read("docs/HOCON.md"),
            "docs/HOCON.md differs from hocon/reference.conf's comments: run deploy/hocon-doc.sh > docs/HOCON.md");
    }

    [Fact]
    public void Every_top_level_section_of_reference_conf_has_its_heading()
    {
        var doc = Repository.Read("docs/HOCON.md");
        var reference = Configuration.ConfigurationFactory.FromFile(Repository.PathOf("hocon/reference.conf"));

        foreach (var section in reference.GetConfig("usbmesh").Keys)
        {
            Assert.Contains($"## `usbmesh.{section}`", doc, StringComparison.Ordinal);
        }
    }
}
