/*
 * tagitem.h - rsplib's tag lists: optional, extensible arguments.
 *
 * A tag list is an array of struct TagItem, each a tag number and a datum,
 * ended by an item with Tag == TAG_DONE. The *_tags variants of the rsplib
 * calls (rserpool-internals.h) take one to override defaults for a single
 * call, for instance
 *
 *     struct TagItem tags[] = {
 *         { TAG_PoolElement_Identifier, 0x12345678 },
 *         { TAG_DONE, 0 }
 *     };
 *     rsp_register_tags(sd, handle, handleSize, &loadinfo, 30000, 0, tags);
 *
 * Unknown tags are ignored. Data holds integers or pointers (cast to
 * tagdata_t, an unsigned long, which is pointer-sized on LP64 and ILP32).
 *
 * Special tags, understood wherever a tag list is walked:
 *   TAG_DONE / TAG_END  end of the list (Data ignored);
 *   TAG_IGNORE          skip this item;
 *   TAG_MORE            Data points to another array that continues the
 *                       list; the rest of this array is not looked at;
 *   TAG_SKIP            skip this item and the Data items after it.
 * Application- and library-defined tags start at TAG_USER.
 *
 * The tagList* helper functions below are those of rsplib's tag-item
 * library (libtdtagitem.so.3 in rsplib), declared here as rsplib declares
 * them; a program that only builds arrays of struct TagItem and passes them
 * to the *_tags calls does not need them.
 */
#ifndef TAGITEM_H
#define TAGITEM_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TAG_DONE   0       /* ends the list                               */
#define TAG_END    0       /* same as TAG_DONE                            */
#define TAG_IGNORE 1       /* this item is ignored                        */
#define TAG_MORE   2       /* Data: pointer to the continuation array     */
#define TAG_SKIP   3       /* this item and the next Data items ignored   */
#define TAG_USER   1000000 /* first tag number free for other uses        */

typedef unsigned int  tag_t;
typedef unsigned long tagdata_t;

/* One item: 16 bytes on LP64 (Tag at 0, Data at 8), 8 on ILP32. */
struct TagItem {
	tag_t     Tag;
	tagdata_t Data;
};

/*
 * Allocates an array of items elements, all zero (so the first item is
 * already a TAG_DONE). Free it with tagListFree(). NULL if out of memory.
 */
struct TagItem *tagListAllocate(const size_t items);

/* Frees an array from tagListAllocate() or tagListDuplicate*(); NULL is ignored. */
void tagListFree(struct TagItem *tagList);

/*
 * The number of items in the array up to and including its TAG_DONE item
 * (TAG_MORE links are not followed); 0 for NULL.
 */
size_t tagListGetSize(struct TagItem *tagList);

/*
 * A newly allocated copy of the array's tagListGetSize() items, item for
 * item (a TAG_MORE item still points to the original continuation). Free
 * it with tagListFree(). NULL for NULL or if out of memory.
 */
struct TagItem *tagListDuplicate(struct TagItem *tagList);

/*
 * Like tagListDuplicate, but copies only the items whose tag appears in
 * filterArray (an array of tags ended by TAG_DONE), then a TAG_DONE item.
 */
struct TagItem *tagListDuplicateFilter(struct TagItem *tagList, const tag_t *filterArray);

/*
 * The next ordinary item after the item tagList points to, following
 * TAG_MORE links and obeying TAG_IGNORE and TAG_SKIP; NULL at the end of
 * the list. This is how every tag list is walked.
 */
struct TagItem *tagListNext(struct TagItem *tagList);

/*
 * The first item with the given tag, walking the list as tagListNext()
 * does, or NULL. The result points into the caller's list.
 */
struct TagItem *tagListFind(struct TagItem *tagList, const tag_t tag);

/* The Data of the first item with the given tag, or defaultValue. */
tagdata_t tagListGetData(struct TagItem *tagList, const tag_t tag, const tagdata_t defaultValue);

/*
 * Sets the Data of the first item with the given tag and returns that item;
 * returns NULL and changes nothing if there is none.
 */
struct TagItem *tagListSetData(struct TagItem *tagList, const tag_t tag, const tagdata_t value);

/* Prints the list, one item per line, to fd (for instance stdout); for debugging. */
void tagListPrint(struct TagItem *tagList, FILE *fd);

#ifdef __cplusplus
}
#endif

#endif /* TAGITEM_H */
