// Package hashing searches binary codes by Hamming distance, the use that
// semantic hashing makes of a document model's K binary factors (VDSH,
// NASH and AMMI rank a database of documents by the Hamming distance of
// their codes to a query's), and measures how good a ranking is.
//
// [Codes] holds codes packed into uint64 words; [Search] and [SearchAll]
// find a query's k nearest codes with math/bits.OnesCount64 and a bounded
// heap, ties broken by database order (the lower index first), the latter
// on all cores. [Precision] is the precision@k of such rankings when a
// retrieved document is relevant exactly when it shares a label with the
// query.
//
// [Threshold] and [Medians] turn real-valued features (an encoder's
// logits, projections) into codes. The two classic unsupervised baselines
// are here too, computed on tf-idf vectors ([TFIDF]): random-hyperplane
// LSH ([LSH], Charikar 2002), whose bit j is the sign of the projection on
// a Gaussian direction, and PCA hashing ([PCA]), whose bit j says whether
// the projection on the j-th principal direction is above its median over
// the database.
package hashing
