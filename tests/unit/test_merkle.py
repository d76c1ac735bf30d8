"""The checkpoint's Merkle tree is RFC 9162's: the Certificate Transparency test vectors give the same roots,
and every inclusion proof leads back to the root, for every tree size and leaf."""
import pytest

from engine.audit.merkle import inclusion_proof, merkle_root, root_from_proof

# certificate-transparency's merkle_tree_test: leaves and the roots of the first 1..8 of them
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_certificate_transparency_vectors(size):
    assert merkle_root(LEAVES[:size]) == ROOTS[size - 1]


def test_the_empty_tree_is_the_hash_of_nothing():
    assert merkle_root([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_every_inclusion_proof_leads_to_the_root_and_a_wrong_leaf_does_not():
    for size in range(1, 40):
        items = [f"{i}:3:{i:064x}".encode() for i in range(size)]
        root = merkle_root(items)
        for index in range(size):
            proof = inclusion_proof(items, index)
            assert root_from_proof(items[index], index, size, proof) == root
            assert root_from_proof(b"forged", index, size, proof) != root
