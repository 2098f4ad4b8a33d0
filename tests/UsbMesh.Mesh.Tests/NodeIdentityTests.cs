using System.Text;

namespace UsbMesh.Mesh.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NodeIdentityTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("usbmesh-identity-");

    private string KeyFile => Path.Combine(_directory.FullName, "state", "identity.key");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void The_first_start_creates_an_owner_only_key_and_later_starts_reuse_it()
    {
        var first = NodeIdentity.LoadOrCreate(KeyFile, out var created);
        var again = NodeIdentity.LoadOrCreate(KeyFile, out var createdAgain);

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(KeyFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_others_can_read_is_refused_with_what_to_do()
    {
        NodeIdentity.LoadOrCreate(KeyFile, out _);
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<IdentityException>(() => NodeIdentity.LoadOrCreate(KeyFile, out _));
        Assert.Contains("0644", error.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {KeyFile}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a key at all")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    public void A_file_that_is_not_an_ed25519_key_is_refused_naming_the_file(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        File.WriteAllText(KeyFile, content);
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<IdentityException>(() => NodeIdentity.Load(KeyFile));
        Assert.StartsWith(KeyFile + ":", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_verifies_for_its_signer_and_data_only()
    {
        var identity = NodeIdentity.Generate();
        var other = NodeIdentity.Generate();
        var data = Encoding.UTF8.GetBytes("announce: 1-1 46f4:0001");

        var signature = identity.Sign(data);

        Assert.True(NodeIdentity.Verify(identity.Id, data, signature));
        Assert.False(NodeIdentity.Verify(other.Id, data, signature));
        Assert.False(NodeIdentity.Verify(identity.Id, [.. data, 0], signature));
        signature[5] ^= 1;
        Assert.False(NodeIdentity.Verify(identity.Id, data, signature));
        Assert.False(NodeIdentity.Verify(identity.Id, data, signature[..10]));
    }
}
