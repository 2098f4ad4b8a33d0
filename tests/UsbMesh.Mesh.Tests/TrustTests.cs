using UsbMesh.Mesh.Trust;

namespace UsbMesh.Mesh.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TrustTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("usbmesh-trust-");
    private readonly NodeId _desk = NodeIdentity.Generate().Id;
    private readonly NodeId _laptop = NodeIdentity.Generate().Id;
    private readonly NodeId _stranger = NodeIdentity.Generate().Id;

    private string StoreFile => Path.Combine(_directory.FullName, "trust.json");

    private TrustList Configured => TrustList.Of([new TrustedPeer("desk", _desk, Admin: true, "node.conf:12")]);

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Only_listed_peers_may_connect_and_only_to_what_is_shared_with_them()
    {
        var trust = Configured.With(new TrustedPeer("laptop", _laptop, Admin: false, "node.conf:13"));

        Assert.Null(trust.RefusalOf(_desk));
        Assert.Contains("does not trust", trust.RefusalOf(_stranger), StringComparison.Ordinal);
        Assert.True(trust.MayImport(_laptop, ["laptop"]));
        Assert.True(trust.MayImport(_laptop, [TrustList.EveryPeer]));
        Assert.False(trust.MayImport(_laptop, ["desk"]));
        Assert.False(trust.MayImport(_stranger, [TrustList.EveryPeer]));
        Assert.True(trust.IsAdmin(_desk));
        Assert.False(trust.IsAdmin(_laptop));
        Assert.False(trust.IsAdmin(_stranger));
    }

    [Fact]
    public void A_name_or_id_trusted_twice_is_refused_naming_where_it_was_first()
    {
        var byName = Assert.Throws<ArgumentException>(() => Configured.With(new TrustedPeer("desk", _laptop, false, "x")));
        var byId = Assert.Throws<ArgumentException>(() => Configured.With(new TrustedPeer("other", _desk, false, "x")));

        Assert.Contains("node.conf:12", byName.Message, StringComparison.Ordinal);
        Assert.Contains("[desk]", byId.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Configured.With(new TrustedPeer(TrustList.EveryPeer, _laptop, false, "x")));
    }

    [Fact]
    public void Peers_added_at_run_time_survive_a_restart_in_an_owner_only_file()
    {
        var store = TrustStore.Open(StoreFile, Configured);
        store.Add("laptop", _laptop, admin: false);

        var reopened = TrustStore.Open(StoreFile, Configured);

        Assert.Null(reopened.Current.RefusalOf(_laptop));
        Assert.Null(reopened.Current.RefusalOf(_desk));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StoreFile));
        Assert.DoesNotContain(_desk.ToString(), File.ReadAllText(StoreFile), StringComparison.Ordinal);
        Assert.False(File.Exists(StoreFile + ".new"));
    }

    [Fact]
    public void Removing_a_stored_peer_refuses_it_from_then_on_and_configured_peers_stay()
    {
        var store = TrustStore.Open(StoreFile, Configured);
        store.Add("laptop", _laptop, admin: false);

        Assert.True(store.Remove("laptop"));
        Assert.False(store.Remove("laptop"));
        Assert.NotNull(store.Current.RefusalOf(_laptop));
        Assert.NotNull(TrustStore.Open(StoreFile, Configured).Current.RefusalOf(_laptop));
        var error = Assert.Throws<InvalidOperationException>(() => store.Remove("desk"));
        Assert.Contains("node.conf:12", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[ { \"name\": \"x\", \"id\": \"NOT-AN-ID\", \"admin\": false } ]")]
    public void A_broken_store_file_is_refused_naming_it(string content)
    {
        File.WriteAllText(StoreFile, content);

        var error = Assert.Throws<TrustStoreException>(() => TrustStore.Open(StoreFile, Configured));
        Assert.StartsWith(StoreFile + ":", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stored_peer_that_clashes_with_the_configuration_is_refused()
    {
        TrustStore.Open(StoreFile, TrustList.Empty).Add("desk", _laptop, admin: false);

        var error = Assert.Throws<TrustStoreException>(() => TrustStore.Open(StoreFile, Configured));
        Assert.Contains("node.conf:12", error.Message, StringComparison.Ordinal);
    }
}
