"""NetVLAD pooling with ghost clusters: extra soft-assignment clusters that are dropped from the descriptor."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Soft-assigns each feature to K (+G ghost) clusters and sums residuals to the K cluster centres."""

    def __init__(self, cluster_size, feature_size, ghost_clusters):
        super().__init__()
        self.feature_size = feature_size
        self.cluster_size = cluster_size
        self.ghost_clusters = ghost_clusters
        init_sc = 1 / math.sqrt(feature_size)
        clusters = cluster_size + ghost_clusters
        # assignment weights (the (w, b) of the paper, with BatchNorm in place of the bias)
        self.clusters = nn.Parameter(init_sc * torch.randn(feature_size, clusters))
        self.batch_norm = nn.BatchNorm1d(clusters)
        # the visual words c_k
        self.clusters2 = nn.Parameter(init_sc * torch.randn(1, feature_size, cluster_size))
        self.out_dim = self.cluster_size * feature_size

    def forward(self, x: torch.Tensor, mask=None) -> torch.Tensor:
        # mask is accepted for interface compatibility and unused, as in the published module
        max_sample = x.size()[1]
        x = x.view(-1, self.feature_size)  # B x N x D -> BN x D
        assignment = torch.matmul(x, self.clusters)  # BN x (K+G)
        assignment = self.batch_norm(assignment)
        assignment = F.softmax(assignment, dim=1)  # BN x (K+G)
        assignment = assignment[:, : self.cluster_size]  # drop the ghost clusters
        assignment = assignment.view(-1, max_sample, self.cluster_size)  # B x N x K
        a_sum = torch.sum(assignment, dim=1, keepdim=True)  # B x 1 x K
        a = a_sum * self.clusters2  # B x D x K
        assignment = assignment.transpose(1, 2)  # B x K x N
        x = x.view(-1, max_sample, self.feature_size)  # B x N x D
        vlad = torch.matmul(assignment, x)  # B x K x D
        vlad = vlad.transpose(1, 2)  # B x D x K
        vlad = vlad - a
        vlad = F.normalize(vlad)  # intra-normalisation over D, per cluster
        vlad = vlad.reshape(-1, self.cluster_size * self.feature_size)  # B x DK
        vlad = F.normalize(vlad)
        return vlad


batch_size = 2048
num_features = 100
num_clusters = 32
feature_size = 512
ghost_clusters = 16

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "num_features": 32, "num_clusters": 8, "feature_size": 64}}


def get_inputs():
    x = torch.randn(batch_size, num_features, feature_size)
    return [x]


def get_init_inputs():
    return [num_clusters, feature_size, ghost_clusters]
